"""What each service's broker user may do, derived from the queues and exchanges the code declares.

RabbitMQ grants three permissions per vhost, each a regular expression over queue and exchange
names: *configure* (declare, delete), *write* (publish to an exchange, bind a queue to a source),
*read* (consume from a queue, bind from an exchange). Here they are worked out from the service
classes themselves, with nameko 2.14.1's own names:

- an `@rpc` entrypoint consumes `rpc-<service>`, bound to the topic exchange `nameko-rpc`
  (declared by nameko with the queue), and publishes its replies to `nameko-rpc`;
- an `RpcProxy` declares its reply queue `rpc.reply-<service>-<uuid4>` on `nameko-rpc` and
  publishes its calls to `nameko-rpc`;
- an `@on_event(source, type)` handler declares `<source>.events` and its own queue
  `evt-<source>-<type>--<service>.<method>`, binds one to the other (and to the service's return
  exchange `cim.return.<service>`) and consumes; when it fails, `shared.messaging.FailureRouter`
  declares and publishes to the service's retry exchange `cim.retry.<service>.<delay>ms` (queue
  `...ms.waiting`, whose expired copies go back through `cim.return.<service>`) and to the
  dead-letter exchange `cim.dead-letter` (queue `cim.dead-letters`);
- a service that produces events (`shared.events.PRODUCERS`) declares and publishes to its own
  `<service>.events` from its outbox relay.

Queue names never equal exchange names (shared.topology), so *read* on an exchange (to bind
from it) never admits consuming a queue. Retried copies return through the service's own
exchange, not the default one, so no service needs *write* on `amq.default` (which would let
it publish into any queue by name). Two grants stay wider than wanted: `cim dlq replay`
(`cim-operator`) publishes back through the default exchange, and every RPC server writes to
`nameko-rpc` (replies go there, so it could also send calls).
`docs/operations.md` shows the table (written by `python -m cim.k8s`).
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field

from nameko.events import SERVICE_POOL, EventHandler
from nameko.rpc import RPC_QUEUE_TEMPLATE, RPC_REPLY_QUEUE_TEMPLATE, Rpc, RpcProxy

from shared.events import PRODUCERS
from shared.outbox import event_exchange
from shared.settings import REPO_ROOT
from shared.topology import (
    DEAD_LETTER_EXCHANGE,
    DEAD_LETTER_QUEUE,
    SERVICES,
    campus_queue,
    campus_systems,
    handler_queue,
    return_exchange,
    service_class,
    subscriptions,
)

RPC_EXCHANGE = "nameko-rpc"  # nameko.rpc.get_rpc_exchange without an `rpc_exchange` setting
DEFAULT_EXCHANGE = "amq.default"  # what RabbitMQ checks when a client publishes to ""
UUID4 = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def retry_exchange_pattern(service: str) -> str:
    """The service's retry exchange for any CIM_RETRY_DELAY_MS (shared.topology.retry_topology)."""
    return re.escape(f"cim.retry.{service}.") + "[0-9]+ms"


def retry_queue_pattern(service: str) -> str:
    return retry_exchange_pattern(service) + re.escape(".waiting")


# The campus edge (services/campus/service.py, written later) and the campus systems publishing
# into it. Until the edge exists its access is the planned one below; once it exists it is
# derived from its code like every other service (and the generated manifests must be rewritten:
# `python -m cim.k8s`, checked by tests/unit/test_k8s_broker_manifests.py).
CAMPUS_SERVICE = "campus"
CAMPUS_SOURCES = ("lms", "mobility", "events", "records")


def campus_exchange(source: str) -> str:
    return f"campus.{source}"


@dataclass(frozen=True)
class Grant:
    """One name (or a pattern of names) a permission admits, with the reason it is needed."""

    pattern: str  # a regex fragment, already escaped
    reason: str

    @classmethod
    def exact(cls, name: str, reason: str) -> "Grant":
        return cls(re.escape(name), reason)


@dataclass
class BrokerAccess:
    """configure / write / read for one broker user, as grants and as RabbitMQ regexes."""

    user: str
    configure: list[Grant] = field(default_factory=list)
    write: list[Grant] = field(default_factory=list)
    read: list[Grant] = field(default_factory=list)
    planned: bool = False  # not derived from code (the campus edge before its code exists)

    def add(self, kind: str, grant: Grant):
        grants = getattr(self, kind)
        if grant.pattern not in {g.pattern for g in grants}:
            grants.append(grant)

    def regex(self, kind: str) -> str:
        """Anchored alternation of the grants; "" (RabbitMQ: nothing at all) when none."""
        patterns = sorted({g.pattern for g in getattr(self, kind)})
        if not patterns:
            return ""
        return "^(" + "|".join(patterns) + ")$"

    def regexes(self) -> dict[str, str]:
        return {kind: self.regex(kind) for kind in ("configure", "write", "read")}

    def allows(self, kind: str, name: str) -> bool:
        pattern = self.regex(kind)
        return bool(pattern) and re.fullmatch(pattern, name) is not None


def _consume(access: BrokerAccess, queue: str, exchange: str, why: str, queue_pattern: str | None = None):
    """Declare `queue` bound to `exchange` (both declared by the client) and consume from it."""
    q = Grant(queue_pattern, why) if queue_pattern else Grant.exact(queue, why)
    x = Grant.exact(exchange, f"declare and bind from it: {why}")
    access.add("configure", q)
    access.add("configure", x)
    access.add("write", Grant(q.pattern, f"bind to {exchange}: {why}"))
    access.add("read", x)
    access.add("read", Grant(q.pattern, f"consume: {why}"))


def _publish(access: BrokerAccess, exchange: str, why: str, declare: bool = True):
    if declare:
        access.add("configure", Grant.exact(exchange, f"declare before publishing: {why}"))
    access.add("write", Grant.exact(exchange, f"publish: {why}"))


def _failure_topology(access: BrokerAccess, service: str):
    """Declare the service's retry exchange, its waiting queue (expiring to the service's return
    exchange) and the dead-letter exchange and queue, and bind each queue to its exchange."""
    retry_x, retry_q = retry_exchange_pattern(service), retry_queue_pattern(service)
    back = Grant.exact(return_exchange(service).name, "").pattern
    dl_x, dl_q = re.escape(DEAD_LETTER_EXCHANGE), re.escape(DEAD_LETTER_QUEUE)
    for pattern, what in (
        (retry_x, "the retry exchange"),
        (retry_q, "the retry queue"),
        (back, "the return exchange its queues are bound to"),
        (dl_x, "the dead-letter exchange"),
        (dl_q, "the dead-letter queue"),
    ):
        access.add("configure", Grant(pattern, f"declare {what}"))
    access.add("write", Grant(retry_q, "bind the retry queue to the retry exchange"))
    access.add("write", Grant(dl_q, "bind the dead-letter queue to its exchange"))
    access.add("read", Grant(retry_x, "bind the retry queue from the retry exchange"))
    access.add("read", Grant(dl_x, "bind the dead-letter queue from its exchange"))
    access.add("read", Grant(back, "bind this service's queues from its return exchange"))
    # RabbitMQ checks read on a queue declared with a dead-letter exchange, and write on that
    # exchange: both are this service's own (its waiting copies, its own queues).
    access.add("read", Grant(retry_q, "declare the retry queue (it dead-letters): this service's own waiting copies"))
    access.add(
        "write",
        Grant(
            back,
            "declare the retry queue, which expires copies to this exchange (reaches this service's own queues only)",
        ),
    )


def _failure_routing(access: BrokerAccess, service: str):
    """FailureRouter publishes with declare=[exchange, queue]: declare, bind and publish."""
    _failure_topology(access, service)
    access.add("write", Grant(retry_exchange_pattern(service), "publish a failed message to the retry exchange"))
    access.add("write", Grant.exact(DEAD_LETTER_EXCHANGE, "publish a failed message to the dead-letter exchange"))


def derive(service_cls) -> BrokerAccess:
    """The broker access a nameko service class needs, from its entrypoints and dependencies."""
    service = service_cls.name
    access = BrokerAccess(user=service)
    members = inspect.getmembers(service_cls)
    entrypoints = [
        ep for _, member in members if inspect.isfunction(member) for ep in getattr(member, "nameko_entrypoints", ())
    ]

    if any(isinstance(ep, Rpc) for ep in entrypoints):
        _consume(access, RPC_QUEUE_TEMPLATE.format(service), RPC_EXCHANGE, f"answer RPC calls to {service}")
        _publish(access, RPC_EXCHANGE, "send RPC replies", declare=False)

    unknown = [ep for ep in entrypoints if isinstance(ep, EventHandler) and ep.handler_type != SERVICE_POOL]
    if unknown:
        raise NotImplementedError(f"{service}: only SERVICE_POOL event handlers are modelled: {unknown}")
    handled = list(subscriptions(service_cls))
    for source, event_type, method in handled:
        queue = handler_queue(source, event_type, service, method)
        _consume(access, queue.name, event_exchange(source).name, f"{event_type} from {source}")
    campus = list(campus_systems(service_cls))
    for system in campus:
        queue = campus_queue(system, service)
        _consume(access, queue.name, campus_exchange(system), f"CloudEvents from campus.{system}")
    if handled or campus:
        _failure_routing(access, service)

    if any(isinstance(dep, RpcProxy) for _, dep in members):
        reply = re.escape(RPC_REPLY_QUEUE_TEMPLATE.format(service, "")) + UUID4
        _consume(access, "", RPC_EXCHANGE, "RPC replies to this service's calls", queue_pattern=reply)
        _publish(access, RPC_EXCHANGE, "make RPC calls", declare=False)

    if service in PRODUCERS.values():
        _publish(access, event_exchange(service).name, "the outbox relay publishes this service's events")
    return access


def planned_campus_edge_access() -> BrokerAccess:
    """The campus edge as planned, before its code exists: it consumes each campus exchange
    through its own durable queue and calls the owning services by RPC. Replaced by `derive` of
    services/campus/service.py once that exists."""
    access = BrokerAccess(user=CAMPUS_SERVICE, planned=True)
    for source in CAMPUS_SOURCES:
        exchange = campus_exchange(source)
        _consume(access, f"{exchange}--{CAMPUS_SERVICE}", exchange, f"CloudEvents from {exchange}")
    _failure_routing(access, CAMPUS_SERVICE)
    reply = re.escape(RPC_REPLY_QUEUE_TEMPLATE.format(CAMPUS_SERVICE, "")) + UUID4
    _consume(access, "", RPC_EXCHANGE, "RPC replies to the commands it sends", queue_pattern=reply)
    _publish(access, RPC_EXCHANGE, "send commands to the owning services by RPC", declare=False)
    return access


def campus_edge_exists() -> bool:
    return (REPO_ROOT / "services" / CAMPUS_SERVICE / "service.py").exists()


def campus_edge_access() -> BrokerAccess:
    if campus_edge_exists():
        return derive(service_class(CAMPUS_SERVICE))
    return planned_campus_edge_access()


def campus_publisher_access(name: str) -> BrokerAccess:
    """A campus system: publish to its own `campus.<name>` exchange, nothing else (the exchange
    is declared for it; it may neither declare nor read anything)."""
    if not re.fullmatch(r"[a-z][a-z0-9-]*", name):
        raise ValueError(f"campus publisher names are lower-case words: {name!r}")
    access = BrokerAccess(user=f"campus-{name}")
    _publish(access, campus_exchange(name), f"CloudEvents of campus system {name}", declare=False)
    return access


def migrate_access(services=SERVICES) -> BrokerAccess:
    """`cim migrate` declares every consumer's queue and binding and the failure topology
    (shared.topology.declare); it publishes and consumes nothing."""
    access = BrokerAccess(user="migrate")
    for service in services:
        handled = list(subscriptions(service_class(service)))
        for source, event_type, method in handled:
            queue = handler_queue(source, event_type, service, method)
            why = f"{service} handles {event_type}"
            access.add("configure", Grant.exact(queue.name, f"declare the queue: {why}"))
            exchange = event_exchange(source).name
            access.add("configure", Grant.exact(exchange, f"declare the exchange: {why}"))
            access.add("write", Grant.exact(queue.name, f"bind the queue: {why}"))
            access.add("read", Grant.exact(exchange, f"bind from the exchange: {why}"))
        campus = list(campus_systems(service_class(service)))
        for system in campus:  # the campus exchanges and queues: publishers may not declare
            queue, exchange = campus_queue(system, service), campus_exchange(system)
            why = f"{service} takes campus.{system}"
            access.add("configure", Grant.exact(queue.name, f"declare the queue: {why}"))
            access.add("configure", Grant.exact(exchange, f"declare the exchange: {why}"))
            access.add("write", Grant.exact(queue.name, f"bind the queue: {why}"))
            access.add("read", Grant.exact(exchange, f"bind from the exchange: {why}"))
        if handled or campus:
            _failure_topology(access, service)
    return access


def dead_letter_operator_access() -> BrokerAccess:
    """`cim dlq list|replay`: read the dead-letter queue, publish back through the default
    exchange (RabbitMQ checks write on `amq.default`; the target queue is the routing key)."""
    access = BrokerAccess(user="operator")
    dl = re.escape(DEAD_LETTER_QUEUE)
    dl_x = re.escape(DEAD_LETTER_EXCHANGE)
    access.add("configure", Grant(dl, "declare the dead-letter queue (idempotent)"))
    access.add("configure", Grant(dl_x, "declare the dead-letter exchange (idempotent)"))
    access.add("write", Grant(dl, "bind the dead-letter queue"))
    access.add("read", Grant(dl, "read dead letters"))
    access.add("read", Grant(dl_x, "bind the dead-letter queue from its exchange"))
    access.add("write", Grant.exact(DEFAULT_EXCHANGE, "replay to the original queue"))
    return access


def service_access(services=SERVICES) -> dict[str, BrokerAccess]:
    return {service: derive(service_class(service)) for service in services}


def all_access(with_campus: bool = True) -> dict[str, BrokerAccess]:
    """Every broker user of the platform, by user name."""
    users = {
        a.user: a for a in service_access([s for s in SERVICES if s != CAMPUS_SERVICE]).values()
    }  # the edge: its own component
    users["migrate"] = migrate_access()
    users["operator"] = dead_letter_operator_access()
    if with_campus:
        users[CAMPUS_SERVICE] = campus_edge_access()
        for source in CAMPUS_SOURCES:
            publisher = campus_publisher_access(source)
            users[publisher.user] = publisher
    return users
