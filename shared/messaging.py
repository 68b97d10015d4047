"""Consuming events without losing them: validation, bounded retries, a dead-letter queue.

nameko acknowledges a failing handler's message (the event is gone) or, with
`requeue_on_error`, redelivers it forever. Here a failure is republished through a delay queue
with an attempt counter; after `CIM_RETRY_LIMIT` attempts, or at once when the message can
never succeed (undecodable, not matching its schema), it goes to the dead-letter queue with the
error, where operators see and replay it (`cim dlq`). The original is acknowledged only after
the broker confirmed the copy; if that fails the original is requeued instead. Each outcome is
counted in shared.metrics. Also here: RPC proxies whose per-process reply queues stay classic.
"""

from __future__ import annotations

import logging
import time
import traceback
import uuid
from datetime import datetime, timezone
from functools import partial

from kombu import Queue
from nameko.amqp.publish import Publisher
from nameko.events import SERVICE_POOL, EventHandler
from nameko.exceptions import ContainerBeingKilled
from nameko.extensions import SharedExtension
from nameko.messaging import QueueConsumer
from nameko.rpc import RPC_REPLY_QUEUE_TEMPLATE, RPC_REPLY_QUEUE_TTL, ReplyListener, get_rpc_exchange
from nameko.rpc import RpcProxy as NamekoRpcProxy
from nameko.standalone.rpc import ClusterRpcProxy as NamekoClusterRpcProxy
from nameko.standalone.rpc import SingleThreadedReplyListener

from shared import amqp_reads, metrics
from shared.errors import CimError
from shared.events import PRODUCERS, MalformedEvent, parse_event
from shared.settings import load_settings

# The names and arguments of every queue are in shared.topology; re-exported for the callers
# that know them from here (deadletters, tests).
from shared.topology import (  # noqa: F401
    DEAD_LETTER_EXCHANGE,
    DEAD_LETTER_QUEUE,
    dead_letter_topology,
    handler_queue,
    queue_arguments,
    queue_type,
    retry_topology,
)

log = logging.getLogger(__name__)

amqp_reads.install()  # every process that consumes or calls over AMQP imports this module

ATTEMPTS_HEADER = "x-cim-attempts"
DEAD_LETTER_ID_HEADER = "x-cim-dead-letter-id"


class SafeQueueConsumer(QueueConsumer):
    """nameko's queue consumer, plus: a body that cannot be decoded is dead-lettered, not looped."""

    def get_consumers(self, consumer_cls, channel):
        consumers = super().get_consumers(consumer_cls, channel)
        for provider, consumer in self._consumers.items():
            consumer.on_decode_error = partial(self._undecodable, provider)
        return consumers

    def _undecodable(self, provider, message, exc):
        log.error("undecodable message on %s: %s", provider.queue.name, exc)
        try:
            provider.failures.dead_letter(message, provider.queue.name, f"undecodable message: {exc}", 1)
        except Exception:
            log.exception("could not dead-letter an undecodable message; requeueing it")
            self.requeue_message(message)
            return
        metrics.message_failed(provider.container.service_name, provider.method_name)
        metrics.message_dead_lettered(provider.container.service_name, provider.method_name, "undecodable")
        self.ack_message(message)

    # nameko catches only amqp's ConnectionError here; a socket the broker's restart reset raises
    # OSError, and an exception in a worker's result handler kills the container. The message
    # is safe either way: unacknowledged on a broken connection, the broker delivers it again.
    def ack_message(self, message):
        try:
            super().ack_message(message)
        except Exception as exc:
            log.warning("message not acknowledged (%s): the broker delivers it again", exc)

    def requeue_message(self, message):
        try:
            super().requeue_message(message)
        except Exception as exc:
            log.warning("message not requeued (%s): the broker delivers it again", exc)


class FailureRouter(SharedExtension):
    """Publishes failed messages to the service's retry queue or the dead-letter queue, confirmed."""

    def setup(self):
        service = self.container.service_name
        settings = load_settings(service, self.container.config)
        kind = queue_type(service, self.container.config)
        self.limit = settings.retry_limit
        self.retry_exchange, self.retry_queue = retry_topology(service, settings.retry_delay_ms, kind)
        self.dl_exchange, self.dl_queue = dead_letter_topology(kind)
        self.publisher = Publisher(settings.amqp_uri, use_confirms=True, retry=True, retry_policy={"max_retries": 3})

    def _copy(self, message, exchange, routing_key, declare, headers):
        base = dict(message.headers or {})
        base.update(headers)
        self.publisher.publish(
            message.body,
            exchange=exchange,
            routing_key=routing_key,
            declare=declare,
            headers=base,
            content_type=message.content_type or "application/octet-stream",
            content_encoding=message.content_encoding or "binary",
            serializer=None,
            delivery_mode=2,
        )

    def retry(self, message, queue_name: str, attempts: int):
        self._copy(
            message,
            self.retry_exchange,
            queue_name,
            [self.retry_exchange, self.retry_queue],
            {ATTEMPTS_HEADER: attempts},
        )

    def dead_letter(self, message, queue_name: str, error: str, attempts: int, extra: dict | None = None):
        self._copy(
            message,
            self.dl_exchange,
            queue_name,
            [self.dl_exchange, self.dl_queue],
            {
                ATTEMPTS_HEADER: attempts,
                DEAD_LETTER_ID_HEADER: str(uuid.uuid4()),  # what operators name it by (`cim dlq`)
                "x-cim-error": error[:4000],
                "x-cim-original-queue": queue_name,
                "x-cim-service": self.container.service_name,
                "x-cim-failed-at": datetime.now(timezone.utc).isoformat(),
                **(extra or {}),
            },
        )

    def route(self, message, queue_name: str, error: str, permanent: bool, extra: dict | None = None) -> str:
        """Retry or dead-letter; returns what was done: "retried", "exhausted" or "malformed"."""
        attempts = int((message.headers or {}).get(ATTEMPTS_HEADER, 0)) + 1
        if permanent or attempts >= self.limit:
            log.error(
                "dead-lettering a message from %s after %d attempt(s): %s",
                queue_name,
                attempts,
                error.splitlines()[-1] if error else "",
            )
            self.dead_letter(message, queue_name, error, attempts, extra)
            return "malformed" if permanent else "exhausted"
        log.warning(
            "retrying a message from %s (attempt %d of %d): %s",
            queue_name,
            attempts,
            self.limit,
            error.splitlines()[-1] if error else "",
        )
        self.retry(message, queue_name, attempts)
        return "retried"


class SettlesDeliveries:
    """How a consuming entrypoint settles a delivery: success acks and counts; a failure is
    retried with a bound or dead-lettered (at once when `permanent`), counted, and the original
    acked once the broker has the copy (requeued when the copy could not be made).

    Mixed into nameko entrypoints that have `queue_consumer`, `failures` (FailureRouter) and
    `queue`: the events' ReliableEventHandler and the campus edge's consumers."""

    def _settle(self, message, started: float, exc_info=None, extra: dict | None = None):
        """Settle one delivery by its worker's outcome (`started`: time.monotonic() at receipt)."""
        seconds = time.monotonic() - started
        if exc_info is None:
            self.queue_consumer.ack_message(message)
            metrics.message_handled(self.container.service_name, self.method_name, seconds)
            return
        error = "".join(traceback.format_exception(*exc_info))
        # A rule's refusal (shared.errors) would refuse again: it is dead-lettered at once with
        # its reason, not retried. Anything else may pass on another try.
        self._settle_failure(message, error, isinstance(exc_info[1], CimError), extra=extra, seconds=seconds)

    def _settle_failure(
        self, message, error: str, permanent: bool, extra: dict | None = None, seconds: float | None = None
    ):
        service = self.container.service_name
        metrics.message_failed(service, self.method_name, seconds)
        try:
            outcome = self.failures.route(message, self.queue.name, error, permanent, extra)
        except Exception:
            log.exception("could not route a failed message; requeueing it")
            self.queue_consumer.requeue_message(message)
            return
        if outcome == "retried":
            metrics.message_retried(service, self.method_name)
        else:
            metrics.message_dead_lettered(service, self.method_name, outcome)
        self.queue_consumer.ack_message(message)


class ReliableEventHandler(SettlesDeliveries, EventHandler):
    """`@on_event(ACTIVITY_APPROVED)`: the handler receives a checked `Envelope`.

    The event type is one of the catalogue's constants; the exchange is its producer's. One
    queue per (service, method), durable, of the configured type (shared.topology). Success
    acks; failure retries with a bound, then dead-letters with the error; a malformed event is
    dead-lettered at once. Each outcome is counted (shared.metrics).
    """

    queue_consumer = SafeQueueConsumer()
    failures = FailureRouter()

    def __init__(self, event_type, **kwargs):
        if event_type not in PRODUCERS:
            raise ValueError(f"unknown event type {event_type!r}: add it to shared/events/catalogue.py")
        super().__init__(
            PRODUCERS[event_type],
            event_type,
            handler_type=SERVICE_POOL,
            reliable_delivery=True,
            requeue_on_error=False,
            **kwargs,
        )

    def setup(self):
        super().setup()
        # nameko's queue has the same name but neither the return binding nor the queue type;
        # the consumer reads `self.queue` only when it starts, so replacing it here is enough.
        service = self.container.service_name
        self.queue = handler_queue(
            self.source_service, self.event_type, service, self.method_name, queue_type(service, self.container.config)
        )

    def handle_message(self, body, message):
        try:
            envelope = parse_event(body, self.event_type)
        except MalformedEvent as exc:
            self._settle_failure(message, f"MalformedEvent: {exc}", permanent=True)
            return
        context_data = self.unpack_message_headers(message)
        context_data.setdefault("correlation_id", envelope.correlation_id)
        try:
            self.container.spawn_worker(
                self,
                (envelope,),
                {},
                context_data=context_data,
                handle_result=partial(self.handle_result, message, time.monotonic()),
            )
        except ContainerBeingKilled:
            self.queue_consumer.requeue_message(message)

    def handle_result(self, message, started, worker_ctx, result=None, exc_info=None):
        self._settle(message, started, exc_info)
        return result, exc_info


on_event = ReliableEventHandler.decorator


# --- RPC with classic reply queues --------------------------------------------------------------
# A reply queue belongs to one process and expires with it. Under a vhost whose default queue
# type is quorum, nameko's reply queue (durable, no type argument) would become a replicated Raft
# group per process; these declare it classic explicitly, whatever the vhost default.


class _ClassicReplyQueue:
    def setup(self):
        reply_uuid = uuid.uuid4()
        self.routing_key = str(reply_uuid)
        self.queue = Queue(
            RPC_REPLY_QUEUE_TEMPLATE.format(self.container.service_name, reply_uuid),
            exchange=get_rpc_exchange(self.container.config),
            routing_key=self.routing_key,
            queue_arguments=queue_arguments("classic", **{"x-expires": RPC_REPLY_QUEUE_TTL}),
        )
        self.queue_consumer.register_provider(self)


class ClassicReplyListener(_ClassicReplyQueue, ReplyListener):
    """nameko's ReplyListener (for `RpcProxy` dependencies) with a classic reply queue."""


class ClassicSingleThreadedReplyListener(_ClassicReplyQueue, SingleThreadedReplyListener):
    """The standalone proxies' reply listener with a classic reply queue."""


class RpcProxy(NamekoRpcProxy):
    """`nameko.rpc.RpcProxy` whose reply queue is classic (use this one in services)."""

    rpc_reply_listener = ClassicReplyListener()


class ClusterRpcProxy(NamekoClusterRpcProxy):
    """`nameko.standalone.rpc.ClusterRpcProxy` whose reply queue is classic (tools, tests)."""

    def __init__(self, config, **kwargs):
        kwargs.setdefault("reply_listener_cls", ClassicSingleThreadedReplyListener)
        super().__init__(config, **kwargs)
