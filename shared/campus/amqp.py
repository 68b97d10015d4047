"""The campus exchanges as a nameko entrypoint: `@campus_events("lms")` gets checked CloudEvents.

nameko's own `@consume` hands a handler only the decoded body, puts every message header into
the worker's context data (so `ce-*` attributes would ride along on every RPC call the worker
makes) and knows no content type but JSON. This entrypoint reads the raw message with the
CloudEvents SDK (structured mode, binary mode in the `ce-`, `cloudEvents_` and `cloudEvents:`
spellings), dead-letters what cannot be used at once with the reason (and the flow goes on),
passes only a correlation id on, and retries a failing handler a bounded number of times.
"""

from __future__ import annotations

import json
import time
import traceback
from functools import partial

import kombu.serialization
from nameko.exceptions import ContainerBeingKilled
from nameko.messaging import Consumer

from shared import metrics
from shared.campus.envelope import STRUCTURED, Unusable, from_amqp
from shared.errors import CimError
from shared.messaging import FailureRouter, SafeQueueConsumer
from shared.topology import campus_exchange, campus_queue, queue_type  # noqa: F401 (re-exported)

# The media types kombu may decode on the campus queues, with the charset suffix senders add.
CLOUDEVENTS_SERIALIZERS = {
    "cloudevents": STRUCTURED,
    "cloudevents-utf8": f"{STRUCTURED}; charset=utf-8",
    "json-utf8": "application/json; charset=utf-8",
}


def register_serializers():
    """Teach kombu the CloudEvents JSON media types (decoded as JSON; we read the raw body)."""
    for name, content_type in CLOUDEVENTS_SERIALIZERS.items():
        kombu.serialization.register(
            name, encoder=json.dumps, decoder=json.loads, content_type=content_type, content_encoding="utf-8"
        )


class CampusQueueConsumer(SafeQueueConsumer):
    """A queue consumer of its own, accepting the CloudEvents media types besides JSON."""

    def setup(self):
        register_serializers()
        super().setup()

    @property
    def accept(self):
        return [*self.container.accept, *CLOUDEVENTS_SERIALIZERS]


class CampusEventConsumer(Consumer):
    queue_consumer = CampusQueueConsumer()
    failures = FailureRouter()

    def __init__(self, system: str, **kwargs):
        self.campus_system = system
        super().__init__(queue=campus_queue(system, kind=""), requeue_on_error=False, **kwargs)

    @property
    def system(self) -> str:
        return self.campus_system

    def setup(self):
        super().setup()
        service = self.container.service_name  # the queue of this service, of the configured type
        self.queue = campus_queue(self.system, service, queue_type(service, self.container.config))

    def handle_message(self, body, message):
        try:
            event = from_amqp(self.system, message.headers, message.content_type, message.body)
        except Unusable as exc:
            extra = {"x-cim-source": exc.source or "", "x-cim-event-id": exc.event_id or ""}
            self._settle_failure(message, f"Unusable: {exc.reason}", permanent=True, extra=extra)
            return
        # Only the correlation id goes on: message headers must not ride on what the worker sends.
        context_data = {"correlation_id": f"campus:{event.source}:{event.id}"[:200]}
        try:
            self.container.spawn_worker(
                self,
                (event,),
                {},
                context_data=context_data,
                handle_result=partial(self.handle_result, message, event, time.monotonic()),
            )
        except ContainerBeingKilled:
            self.queue_consumer.requeue_message(message)

    def handle_result(self, message, event, started, worker_ctx, result=None, exc_info=None):
        seconds = time.monotonic() - started
        if exc_info is None:
            self.queue_consumer.ack_message(message)
            metrics.message_handled(self.container.service_name, self.method_name, seconds)
        else:
            error = "".join(traceback.format_exception(*exc_info))
            self._settle_failure(
                message,
                error,
                permanent=isinstance(exc_info[1], CimError),
                extra={"x-cim-source": event.source, "x-cim-event-id": event.id},
                seconds=seconds,
            )
        return result, exc_info

    def _settle_failure(self, message, error: str, permanent: bool, extra: dict, seconds: float | None = None):
        service = self.container.service_name
        metrics.message_failed(service, self.method_name, seconds)
        try:
            outcome = self.failures.route(message, self.queue.name, error, permanent, extra)
        except Exception:
            self.queue_consumer.requeue_message(message)
            return
        if outcome == "retried":
            metrics.message_retried(service, self.method_name)
        else:
            metrics.message_dead_lettered(service, self.method_name, outcome)
        self.queue_consumer.ack_message(message)


campus_events = CampusEventConsumer.decorator
