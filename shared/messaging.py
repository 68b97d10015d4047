"""Consuming events without losing them: validation, bounded retries, a dead-letter queue.

nameko acknowledges a failing handler's message (the event is gone) or, with
`requeue_on_error`, redelivers it forever. Here a failure is republished through a delay queue
with an attempt counter; after `CIM_RETRY_LIMIT` attempts, or at once when the message can
never succeed (undecodable, not matching its schema), it goes to the dead-letter queue with the
error, where operators see and replay it (`cim dlq`). The original is acknowledged only after
the broker confirmed the copy; if that fails the original is requeued instead.
"""
from __future__ import annotations

import logging
import traceback
from datetime import datetime, timezone
from functools import partial

from kombu import Exchange, Queue
from nameko.amqp.publish import Publisher
from nameko.exceptions import ContainerBeingKilled
from nameko.events import SERVICE_POOL, EventHandler
from nameko.extensions import SharedExtension
from nameko.messaging import QueueConsumer

from shared.errors import CimError
from shared.events import PRODUCERS, MalformedEvent, parse_event
from shared.outbox import event_exchange
from shared.settings import load_settings

log = logging.getLogger(__name__)

ATTEMPTS_HEADER = "x-cim-attempts"
DEAD_LETTER_EXCHANGE = "cim.dead-letter"
DEAD_LETTER_QUEUE = "cim.dead-letter"


def dead_letter_topology():
    exchange = Exchange(DEAD_LETTER_EXCHANGE, type="topic", durable=True)
    return exchange, Queue(DEAD_LETTER_QUEUE, exchange=exchange, routing_key="#", durable=True)


def retry_topology(delay_ms: int):
    """A fanout exchange into a queue whose messages expire back to their own queue.

    The copy is published with the original queue's name as routing key; when its TTL runs out
    RabbitMQ dead-letters it to the default exchange with that key, i.e. back to the queue.
    """
    exchange = Exchange(f"cim.retry.{delay_ms}ms", type="fanout", durable=True)
    queue = Queue(f"cim.retry.{delay_ms}ms", exchange=exchange, durable=True,
                  queue_arguments={"x-message-ttl": delay_ms, "x-dead-letter-exchange": ""})
    return exchange, queue


def handler_queue(source_service: str, event_type: str, service: str, method: str) -> Queue:
    """The queue nameko gives a SERVICE_POOL event handler (same name, same arguments)."""
    return Queue(f"evt-{source_service}-{event_type}--{service}.{method}",
                 exchange=event_exchange(source_service), routing_key=event_type,
                 durable=True, auto_delete=False, exclusive=False)


class SafeQueueConsumer(QueueConsumer):
    """nameko's queue consumer, plus: a body that cannot be decoded is dead-lettered, not looped."""

    def get_consumers(self, consumer_cls, channel):
        consumers = super().get_consumers(consumer_cls, channel)
        for provider, consumer in self._consumers.items():
            consumer.on_decode_error = partial(self._undecodable, provider)
        return consumers

    def _undecodable(self, provider, message, exc):
        log.error("undecodable message on %s: %s", provider.queue.name, exc)
        provider.failures.dead_letter(message, provider.queue.name, f"undecodable message: {exc}", 1)
        message.ack()


class FailureRouter(SharedExtension):
    """Publishes failed messages to the retry delay queue or the dead-letter queue, confirmed."""

    def setup(self):
        settings = load_settings(self.container.service_name, self.container.config)
        self.limit = settings.retry_limit
        self.delay_ms = settings.retry_delay_ms
        self.retry_exchange, self.retry_queue = retry_topology(self.delay_ms)
        self.dl_exchange, self.dl_queue = dead_letter_topology()
        self.publisher = Publisher(settings.amqp_uri, use_confirms=True, retry=True,
                                   retry_policy={"max_retries": 3})

    def _copy(self, message, exchange, routing_key, declare, headers):
        base = dict(message.headers or {})
        base.update(headers)
        self.publisher.publish(
            message.body, exchange=exchange, routing_key=routing_key, declare=declare,
            headers=base, content_type=message.content_type or "application/octet-stream",
            content_encoding=message.content_encoding or "binary", serializer=None,
            delivery_mode=2)

    def retry(self, message, queue_name: str, attempts: int):
        self._copy(message, self.retry_exchange, queue_name, [self.retry_exchange, self.retry_queue],
                   {ATTEMPTS_HEADER: attempts})

    def dead_letter(self, message, queue_name: str, error: str, attempts: int,
                    extra: dict | None = None):
        self._copy(message, self.dl_exchange, queue_name, [self.dl_exchange, self.dl_queue], {
            ATTEMPTS_HEADER: attempts,
            "x-cim-error": error[:4000],
            "x-cim-original-queue": queue_name,
            "x-cim-service": self.container.service_name,
            "x-cim-failed-at": datetime.now(timezone.utc).isoformat(),
            **(extra or {}),
        })

    def route(self, message, queue_name: str, error: str, permanent: bool,
              extra: dict | None = None):
        attempts = int((message.headers or {}).get(ATTEMPTS_HEADER, 0)) + 1
        if permanent or attempts >= self.limit:
            log.error("dead-lettering a message from %s after %d attempt(s): %s",
                      queue_name, attempts, error.splitlines()[-1] if error else "")
            self.dead_letter(message, queue_name, error, attempts, extra)
        else:
            log.warning("retrying a message from %s (attempt %d of %d): %s",
                        queue_name, attempts, self.limit, error.splitlines()[-1] if error else "")
            self.retry(message, queue_name, attempts)


class ReliableEventHandler(EventHandler):
    """`@on_event(ACTIVITY_APPROVED)`: the handler receives a checked `Envelope`.

    The event type is one of the catalogue's constants; the exchange is its producer's. One
    queue per (service, method), durable. Success acks; failure retries with a bound, then
    dead-letters with the error; a malformed event is dead-lettered at once.
    """

    queue_consumer = SafeQueueConsumer()
    failures = FailureRouter()

    def __init__(self, event_type, **kwargs):
        if event_type not in PRODUCERS:
            raise ValueError(f"unknown event type {event_type!r}: add it to shared/events/catalogue.py")
        super().__init__(PRODUCERS[event_type], event_type, handler_type=SERVICE_POOL,
                         reliable_delivery=True, requeue_on_error=False, **kwargs)

    def setup(self):
        super().setup()
        # nameko's own queue, bound to the producer's exchange as shared.outbox names it
        self.queue = handler_queue(self.source_service, self.event_type,
                                   self.container.service_name, self.method_name)

    def handle_message(self, body, message):
        try:
            envelope = parse_event(body, self.event_type)
        except MalformedEvent as exc:
            self._settle_failure(message, f"MalformedEvent: {exc}", permanent=True)
            return
        context_data = self.unpack_message_headers(message)
        context_data.setdefault("correlation_id", envelope.correlation_id)
        try:
            self.container.spawn_worker(self, (envelope,), {}, context_data=context_data,
                                        handle_result=partial(self.handle_result, message))
        except ContainerBeingKilled:
            self.queue_consumer.requeue_message(message)

    def handle_result(self, message, worker_ctx, result=None, exc_info=None):
        if exc_info is None:
            self.queue_consumer.ack_message(message)
        else:
            error = "".join(traceback.format_exception(*exc_info))
            # A rule's refusal (shared.errors) will refuse again: recorded once with the reason,
            # not retried. Anything else may pass on another try.
            self._settle_failure(message, error, permanent=isinstance(exc_info[1], CimError))
        return result, exc_info

    def _settle_failure(self, message, error: str, permanent: bool):
        try:
            self.failures.route(message, self.queue.name, error, permanent)
        except Exception:
            log.exception("could not route a failed message; requeueing it")
            self.queue_consumer.requeue_message(message)
            return
        self.queue_consumer.ack_message(message)


on_event = ReliableEventHandler.decorator
