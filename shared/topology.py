"""The broker topology: every queue and exchange the platform declares, by name and arguments.

Declaring every consumer's queue up front (`cim migrate`, before services start, like the
migrations) means an event published before its consumer first started still has a queue to
wait in. The services declare the same entities with the same arguments when they start, so
the names and arguments live here, once.

Queue names differ from every exchange name, so a broker permission on one (a regex over
names) never admits the other (docs/operations.md, "Broker users"). The queue type comes from
`CIM_QUEUE_TYPE` (`quorum` or `classic`; unset: the vhost's default type decides); nameko's
per-process RPC reply queues are always classic (shared.messaging).
"""

from __future__ import annotations

import importlib
import inspect
from typing import Mapping

from kombu import Connection, Exchange, Queue, binding

from shared.outbox import event_exchange
from shared.settings import SettingsSource

SERVICES = ("registration", "activities", "approvals", "ceremony", "certificates", "notifications", "campus", "gateway")
QUEUE_TYPES = ("", "classic", "quorum")

DEAD_LETTER_EXCHANGE = "cim.dead-letter"
DEAD_LETTER_QUEUE = "cim.dead-letters"


def queue_type(service: str = "cim", config: Mapping | None = None) -> str:
    """`CIM_QUEUE_TYPE` for `service` (same precedence as every setting), checked."""
    value = SettingsSource(service, config).get("CIM_QUEUE_TYPE", "").lower()
    if value not in QUEUE_TYPES:
        raise ValueError(f"CIM_QUEUE_TYPE must be quorum or classic (or unset), got {value!r}")
    return value


def queue_arguments(kind: str, **arguments) -> dict:
    """Queue arguments with `x-queue-type` when a type is chosen (else the vhost default)."""
    return {**arguments, "x-queue-type": kind} if kind else arguments


def return_exchange(service: str) -> Exchange:
    """Where a service's retried messages come back from: each of its queues is bound to it
    with its own name as routing key, so the return reaches that service's queues only."""
    return Exchange(f"cim.return.{service}", type="direct", durable=True)


def handler_queue(source_service: str, event_type: str, service: str, method: str, kind: str | None = None) -> Queue:
    """The queue of one `@on_event` handler: nameko's SERVICE_POOL name, bound to the
    producer's exchange by event type and to the service's return exchange by its own name."""
    kind = queue_type() if kind is None else kind
    name = f"evt-{source_service}-{event_type}--{service}.{method}"
    return Queue(
        name,
        bindings=[
            binding(event_exchange(source_service), routing_key=event_type),
            binding(return_exchange(service), routing_key=name),
        ],
        durable=True,
        auto_delete=False,
        exclusive=False,
        queue_arguments=queue_arguments(kind),
    )


def retry_topology(service: str, delay_ms: int, kind: str | None = None):
    """A service's fanout retry exchange into a queue whose messages expire to its return exchange.

    The copy is published with the original queue's name as routing key; when its TTL runs out
    RabbitMQ dead-letters it to `cim.return.<service>` with that key, i.e. back to the queue.
    """
    kind = queue_type() if kind is None else kind
    exchange = Exchange(f"cim.retry.{service}.{delay_ms}ms", type="fanout", durable=True)
    queue = Queue(
        f"cim.retry.{service}.{delay_ms}ms.waiting",
        exchange=exchange,
        durable=True,
        queue_arguments=queue_arguments(
            kind, **{"x-message-ttl": delay_ms, "x-dead-letter-exchange": return_exchange(service).name}
        ),
    )
    return exchange, queue


def campus_exchange(system: str) -> Exchange:
    """A campus system's durable topic exchange (`campus.lms`, ...); the routing key is the type."""
    return Exchange(f"campus.{system}", type="topic", durable=True)


def campus_queue(system: str, service: str = "campus", kind: str | None = None) -> Queue:
    """The edge's queue for one campus system: every type its exchange routes, and the retries
    that come back through the service's return exchange."""
    kind = queue_type() if kind is None else kind
    name = f"{service}.intake.{system}"  # never the exchange's own name (shared.broker_access)
    return Queue(
        name,
        bindings=[
            binding(campus_exchange(system), routing_key="#"),
            binding(return_exchange(service), routing_key=name),
        ],
        durable=True,
        auto_delete=False,
        exclusive=False,
        queue_arguments=queue_arguments(kind),
    )


def dead_letter_topology(kind: str | None = None):
    kind = queue_type() if kind is None else kind
    exchange = Exchange(DEAD_LETTER_EXCHANGE, type="topic", durable=True)
    return exchange, Queue(
        DEAD_LETTER_QUEUE, exchange=exchange, routing_key="#", durable=True, queue_arguments=queue_arguments(kind)
    )


def service_class(service: str):
    module = importlib.import_module(f"services.{service}.service")
    for _, obj in inspect.getmembers(module, inspect.isclass):
        if getattr(obj, "name", None) == service and obj.__module__ == module.__name__:
            return obj
    raise LookupError(f"services.{service}.service defines no class with name = {service!r}")


def subscriptions(service_cls):
    """(source service, event type, method name) for every `@on_event` of a service class."""
    from shared.messaging import ReliableEventHandler  # messaging declares with these names

    for name, method in inspect.getmembers(service_cls, inspect.isfunction):
        for entrypoint in getattr(method, "nameko_entrypoints", ()):
            if isinstance(entrypoint, ReliableEventHandler):
                yield entrypoint.source_service, entrypoint.event_type, name


def campus_systems(service_cls):
    """The campus systems whose exchange a service consumes (`@campus_events(system)`)."""
    for _, method in inspect.getmembers(service_cls, inspect.isfunction):
        for entrypoint in getattr(method, "nameko_entrypoints", ()):
            system = getattr(entrypoint, "campus_system", None)
            if system:
                yield system


def declare(amqp_uri: str, retry_delay_ms: int, services=SERVICES, kind: str | None = None):
    kind = queue_type() if kind is None else kind
    with Connection(amqp_uri, connect_timeout=5) as conn:
        conn.ensure_connection(max_retries=3)
        channel = conn.channel()
        for entity in dead_letter_topology(kind):
            entity(channel).declare()
        for service in services:
            cls = service_class(service)
            handled = list(subscriptions(cls))
            for source, event_type, method in handled:
                handler_queue(source, event_type, service, method, kind)(channel).declare()
            campus = list(campus_systems(cls))
            for system in campus:  # campus publishers may not declare anything: we do it for them
                campus_queue(system, service, kind)(channel).declare()
            if handled or campus:
                for entity in retry_topology(service, retry_delay_ms, kind):
                    entity(channel).declare()
