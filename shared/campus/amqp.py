"""The campus exchanges as a nameko entrypoint: `@campus_events("lms")` gets checked CloudEvents,
in batches (a list per call, handled in one transaction).

nameko's own `@consume` hands a handler only the decoded body, puts every message header into
the worker's context data (so `ce-*` attributes would ride along on every RPC call the worker
makes) and knows no content type but JSON. This entrypoint reads the raw message with the
CloudEvents SDK (structured mode, binary mode in the `ce-`, `cloudEvents_` and `cloudEvents:`
spellings), dead-letters what cannot be used at once with the reason (and the flow goes on),
passes only a correlation id on, and retries a failing handler a bounded number of times.

Batches: each checked delivery joins the queue's batch; a batch goes to one worker when it holds
`CIM_INGEST_BATCH` deliveries or `CIM_INGEST_LINGER_MS` after its first arrived. The worker's
unit of work commits the whole batch; only then are its messages acked, with one frame (when an
earlier delivery on the channel is still in its transaction, the batch's ack waits for it). When
the batch fails, each of its events runs again alone (a worker each), so one poison event is
retried or dead-lettered alone and the others commit. The queue consumer lets two batches per queue be
unacked at once (prefetch), so the next one gathers while one commits.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass
from functools import partial

import eventlet
import kombu.serialization
from nameko.exceptions import ContainerBeingKilled
from nameko.messaging import Consumer

from shared import metrics
from shared.batching import Batcher, Unsettled
from shared.campus.envelope import STRUCTURED, CampusEvent, Unusable, from_amqp
from shared.messaging import FailureRouter, SafeQueueConsumer, SettlesDeliveries
from shared.settings import load_settings
from shared.topology import campus_exchange, campus_queue, queue_type  # noqa: F401 (re-exported)

log = logging.getLogger(__name__)

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
    """A queue consumer of its own (its own connection and channel), accepting the CloudEvents
    media types besides JSON, and acking committed batches with one frame."""

    def setup(self):
        register_serializers()
        super().setup()
        self._channel, self._unsettled = None, Unsettled()

    def _tracked(self, message) -> bool:
        """Whether the message came on the channel whose deliveries are tracked (a reconnection
        brings a new channel, its tags counting from 1; the old one's went back to the queue)."""
        return message.channel is self._channel

    def _note(self, message):
        if message.channel is not self._channel:
            self._channel, self._unsettled = message.channel, Unsettled()
        self._unsettled.received(message.delivery_tag)

    def _undecodable(self, provider, message, exc):
        self._note(message)  # unsettled until its dead letter is confirmed: no batch's ack may cover it
        super()._undecodable(provider, message, exc)

    def ack_message(self, message):
        super().ack_message(message)  # first the frame: a `multiple` ack must not cover it before
        self._settled(message)

    def requeue_message(self, message):
        super().requeue_message(message)
        self._settled(message)

    def _settled(self, message):
        if self._tracked(message):
            self._unsettled.settled(message.delivery_tag)
            self._release(self._unsettled.releasable())  # committed batches that waited for it

    def _release(self, top: int | None):
        if top is None:
            return
        try:
            self._channel.basic_ack(top, multiple=True)
        except Exception as exc:  # as ack_message: unacked, the broker delivers them again
            log.warning("committed deliveries not acknowledged (%s): the broker delivers them again", exc)

    def ack_batch(self, messages: list):
        """Ack a committed batch: one `basic.ack` with `multiple` at the highest committed tag that
        nothing pending comes before (the batch waits, committed, for an earlier delivery still in
        its transaction); a batch from a channel no longer tracked is acked message by message."""
        tags = [m.delivery_tag for m in messages]
        if messages and all(self._tracked(m) for m in messages) and self._unsettled.knows(tags):
            self._release(self._unsettled.committed(tags))
            return
        for message in messages:
            self.ack_message(message)

    @property
    def accept(self):
        return [*self.container.accept, *CLOUDEVENTS_SERIALIZERS]

    def handle_message(self, provider, body, message):
        """The campus consumers' deliveries are checked and gathered right here, in the consumer's
        thread (plain computation, no I/O); anything that waits on I/O gets a thread of its own."""
        if isinstance(provider, CampusEventConsumer):
            self._note(message)
            provider.gather(message)
        else:
            super().handle_message(provider, body, message)

    @property
    def prefetch_count(self):
        """Two batches per queue unacked at once: one gathering while the other commits."""
        batch = load_settings(self.container.service_name, self.container.config).ingest_batch
        return max(2 * batch, self.container.max_workers)


@dataclass(frozen=True)
class Delivery:
    """One checked message waiting in a batch: the message to settle, its event, when it came."""

    message: object
    event: CampusEvent
    received: float

    @property
    def extra(self) -> dict:
        """What a dead letter says about the event (operators find it by source and id)."""
        return {"x-cim-source": self.event.source, "x-cim-event-id": self.event.id}


class CampusEventConsumer(SettlesDeliveries, Consumer):
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
        settings = load_settings(service, self.container.config)
        self.linger = settings.ingest_linger_ms / 1000
        self.batches: Batcher[Delivery] = Batcher(settings.ingest_batch)

    def gather(self, message):
        """Check one delivery and add it to the batch (in the queue consumer's thread: it must
        neither block nor raise; dead-lettering and dispatching run in threads of their own)."""
        try:
            event = from_amqp(self.system, message.headers, message.content_type, message.body)
        except Unusable as exc:
            extra = {"x-cim-source": exc.source or "", "x-cim-event-id": exc.event_id or ""}
            self._spawn(self._settle_failure, message, f"Unusable: {exc.reason}", permanent=True, extra=extra)
            return
        except Exception as exc:  # a fault of ours, not of the event: retried like a failed handler
            log.exception("could not read a message from %s", self.queue.name)
            self._spawn(self._settle_failure, message, f"{type(exc).__name__}: {exc}", permanent=False)
            return
        added = self.batches.add(Delivery(message, event, time.monotonic()))
        if added.full:
            self._spawn(self._dispatch, added.full)
        elif added.started is not None:
            self._spawn(self._after_linger, added.started)

    def handle_message(self, body, message):  # nameko's entry for a delivery; ours is `gather`
        self.gather(message)

    def _spawn(self, fn, *args, **kwargs):
        self.container.spawn_managed_thread(partial(fn, *args, **kwargs))

    def _after_linger(self, generation: int):
        eventlet.sleep(self.linger)
        batch = self.batches.take(generation)
        if batch:
            self._dispatch(batch)

    def _dispatch(self, batch: list[Delivery]):
        """One worker for the batch; the service method gets the events, in the order they came."""
        first = batch[0].event
        # Only the correlation id goes on: message headers must not ride on what the worker sends.
        correlation = f"campus:{first.source}:{first.id}" if len(batch) == 1 else f"campus:batch:{uuid.uuid4()}"
        try:
            self.container.spawn_worker(
                self,
                ([d.event for d in batch],),
                {},
                context_data={"correlation_id": correlation[:200]},
                handle_result=partial(self.handle_result, batch),
            )
        except ContainerBeingKilled:
            for delivery in batch:
                self.queue_consumer.requeue_message(delivery.message)

    def handle_result(self, batch: list[Delivery], worker_ctx, result=None, exc_info=None):
        """After the worker: its unit of work has committed (or not); now settle each message."""
        if exc_info is None:
            self.queue_consumer.ack_batch([delivery.message for delivery in batch])
            done = time.monotonic()
            metrics.messages_handled(
                self.container.service_name, self.method_name, [done - delivery.received for delivery in batch]
            )
        elif len(batch) == 1:
            for delivery in batch:
                self._settle(delivery.message, delivery.received, exc_info, extra=delivery.extra)
        else:
            # Which event failed is not known: each runs again alone, from a thread of its own
            # (this worker must end and free its place in the pool first).
            log.warning(
                "a batch of %d campus events from %s failed (%s: %s); each is applied alone",
                len(batch),
                self.queue.name,
                exc_info[0].__name__,
                exc_info[1],
            )
            self.container.spawn_managed_thread(partial(self._one_by_one, batch))
        return result, exc_info

    def _one_by_one(self, batch: list[Delivery]):
        for delivery in batch:
            self._dispatch([delivery])


campus_events = CampusEventConsumer.decorator
