"""The derived broker permissions, tried on the real RabbitMQ: each service's user can declare,
bind, consume and publish what its code does, and nothing of another service's.

A temporary vhost and users are made through the management API and deleted afterwards.
"""

from __future__ import annotations

import uuid
from urllib.parse import quote, urlsplit

import pytest
import requests
from kombu import Connection, Exchange, Queue
from amqp.exceptions import AccessRefused
from nameko.amqp.publish import Publisher
from nameko.rpc import RPC_QUEUE_TEMPLATE, RPC_REPLY_QUEUE_TEMPLATE, get_rpc_exchange

from shared import broker_access
from shared.messaging import dead_letter_topology, handler_queue, retry_topology
from shared.outbox import event_exchange
from shared.topology import SERVICES, service_class, subscriptions
from tests.infra import amqp_uri, management_url


class Broker:
    def __init__(self):
        api = management_url()
        parts = urlsplit(api)
        self.api = f"{parts.scheme}://{parts.hostname}:{parts.port}/api"
        self.auth = (parts.username or "guest", parts.password or "guest")
        amqp = urlsplit(amqp_uri())
        self.amqp_host = f"{amqp.hostname}:{amqp.port or 5672}"
        self.vhost = f"cim-access-{uuid.uuid4().hex[:8]}"
        self.users = []

    def call(self, method, path, **kwargs):
        response = requests.request(method, self.api + path, auth=self.auth, timeout=10, **kwargs)
        response.raise_for_status()
        return response

    def user(self, access: broker_access.BrokerAccess) -> str:
        """A broker user with exactly `access` on the vhost; returns its AMQP URI."""
        name = f"{self.vhost}-{access.user}"
        password = uuid.uuid4().hex
        self.call("PUT", f"/users/{quote(name, safe='')}", json={"password": password, "tags": ""})
        self.users.append(name)
        self.call("PUT", f"/permissions/{quote(self.vhost, safe='')}/{quote(name, safe='')}", json=access.regexes())
        return f"amqp://{name}:{password}@{self.amqp_host}/{quote(self.vhost, safe='')}"

    def queue_consumers(self, queue: str) -> int:
        return self.call("GET", f"/queues/{quote(self.vhost, safe='')}/{quote(queue, safe='')}").json()["consumers"]


@pytest.fixture(scope="module")
def broker():
    broker = Broker()
    broker.call("PUT", f"/vhosts/{quote(broker.vhost, safe='')}")
    yield broker
    for name in broker.users:
        requests.delete(f"{broker.api}/users/{quote(name, safe='')}", auth=broker.auth, timeout=10)
    requests.delete(f"{broker.api}/vhosts/{quote(broker.vhost, safe='')}", auth=broker.auth, timeout=10)


def refused(action) -> bool:
    try:
        action()
    except AccessRefused:
        return True
    return False


def consume_once(uri: str, queue: Queue):
    """Declare the queue (with its exchange and binding), as nameko's consumer does, and consume."""
    with Connection(uri, connect_timeout=5) as conn:
        channel = conn.channel()
        consumer = conn.Consumer(queue(channel), callbacks=[lambda body, message: None])
        consumer.consume()
        consumer.cancel()


def publish(uri: str, exchange: Exchange, routing_key: str, declare=()):
    Publisher(uri, use_confirms=True, serializer="json").publish(
        {"probe": True}, exchange=exchange, routing_key=routing_key, declare=list(declare)
    )


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_user_can_do_what_its_code_does(broker, service):
    access = broker_access.derive(service_class(service))
    uri = broker.user(access)
    rpc_exchange = get_rpc_exchange({})
    cls = service_class(service)
    handled = list(subscriptions(cls))
    for source, event_type, method in handled:
        consume_once(uri, handler_queue(source, event_type, service, method))
    if handled:  # FailureRouter: retry and dead-letter copies, declared as it declares them
        retry_x, retry_q = retry_topology(service, 1000)
        dl_x, dl_q = dead_letter_topology()
        publish(uri, retry_x, "some-queue", declare=[retry_x, retry_q])
        publish(uri, dl_x, "some-queue", declare=[dl_x, dl_q])
    if access.allows("read", RPC_QUEUE_TEMPLATE.format(service)):
        consume_once(
            uri,
            Queue(RPC_QUEUE_TEMPLATE.format(service), exchange=rpc_exchange, routing_key=f"{service}.*", durable=True),
        )
        publish(uri, rpc_exchange, str(uuid.uuid4()))  # a reply
    if service == "gateway":
        reply = RPC_REPLY_QUEUE_TEMPLATE.format(service, uuid.uuid4())
        consume_once(uri, Queue(reply, exchange=rpc_exchange, routing_key="x", queue_arguments={"x-expires": 300000}))
        publish(uri, rpc_exchange, "registration.profile")
    if access.allows("write", f"{service}.events"):
        publish(uri, event_exchange(service), "probe.v1", declare=[event_exchange(service)])


@pytest.mark.parametrize("service", [s for s in SERVICES if s != "gateway"])
def test_a_service_user_cannot_publish_to_another_services_exchange(broker, service):
    uri = broker.user(broker_access.derive(service_class(service)))
    others = [s for s in SERVICES if s not in (service, "gateway")]
    for other in others:
        exchange = event_exchange(other)
        with Connection(broker_access_admin(broker)) as conn:  # the exchange exists
            exchange(conn.channel()).declare()
        assert refused(lambda: publish(uri, exchange, "forged.v1")), (service, other)


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_user_cannot_read_another_services_queue(broker, service):
    uri = broker.user(broker_access.derive(service_class(service)))
    for other in SERVICES:
        if other == service:
            continue
        for source, event_type, method in subscriptions(service_class(other)):
            queue = handler_queue(source, event_type, other, method)
            if broker_access.derive(service_class(service)).allows("read", queue.name):
                pytest.fail(f"{service} may read {queue.name}")
            with Connection(broker_access_admin(broker)) as conn:
                queue(conn.channel()).declare()
            assert refused(lambda: consume_once(uri, Queue(queue.name, no_declare=True)))
            break  # one queue of each other service is enough
        rpc_queue = RPC_QUEUE_TEMPLATE.format(other)
        if other != "gateway":
            with Connection(broker_access_admin(broker)) as conn:
                Queue(rpc_queue, exchange=get_rpc_exchange({}), routing_key=f"{other}.*", durable=True)(
                    conn.channel()
                ).declare()
            assert refused(lambda: consume_once(uri, Queue(rpc_queue, no_declare=True)))


@pytest.mark.parametrize("service", [s for s in SERVICES if s != "gateway"])
def test_a_service_user_can_neither_publish_by_queue_name_nor_read_dead_letters(broker, service):
    """Retries return through the service's own exchange, so no service writes to the default
    exchange; the dead-letter and retry queues are named apart from their exchanges, so binding
    from those exchanges does not let a service consume the queues."""
    access = broker_access.derive(service_class(service))
    uri = broker.user(access)
    assert not access.allows("write", broker_access.DEFAULT_EXCHANGE)
    other = next(s for s in SERVICES if s != service and list(subscriptions(service_class(s))))
    source, event_type, method = next(subscriptions(service_class(other)))
    with Connection(broker_access_admin(broker)) as conn:
        channel = conn.channel()
        handler_queue(source, event_type, other, method)(channel).declare()
        for entity in (*dead_letter_topology(), *retry_topology(other, 1000)):
            entity(channel).declare()
    queue = handler_queue(source, event_type, other, method).name
    assert refused(lambda: publish(uri, Exchange("", type="direct"), queue))
    assert refused(lambda: publish(uri, Exchange(f"cim.return.{other}", type="direct"), queue))
    dl_queue = dead_letter_topology()[1].name
    assert refused(lambda: consume_once(uri, Queue(dl_queue, no_declare=True)))
    assert refused(lambda: consume_once(uri, Queue(retry_topology(other, 1000)[1].name, no_declare=True)))


def test_a_campus_publisher_writes_its_own_exchange_only(broker):
    lms = broker.user(broker_access.campus_publisher_access("lms"))
    with Connection(broker_access_admin(broker)) as conn:
        for source in broker_access.CAMPUS_SOURCES:
            Exchange(broker_access.campus_exchange(source), type="topic", durable=True)(conn.channel()).declare()
    publish(lms, Exchange("campus.lms", type="topic", durable=True), "enrolment.created")
    assert refused(lambda: publish(lms, Exchange("campus.records", type="topic"), "x"))
    assert refused(
        lambda: publish(
            lms,
            Exchange("campus.lms", type="topic", durable=True),
            "x",
            declare=[Exchange("campus.lms", type="topic", durable=True)],
        )
    )
    probe = Queue("campus.lms.probe", exchange=Exchange("campus.lms", type="topic", durable=True))
    assert refused(lambda: consume_once(lms, probe))


def test_the_migrate_user_declares_the_whole_topology(broker):
    from shared import topology

    topology.declare(broker.user(broker_access.migrate_access()), 1000)


def broker_access_admin(broker) -> str:
    """guest, with full rights on the temporary vhost, to set the scene."""
    if "guest-granted" not in broker.users:
        broker.call(
            "PUT",
            f"/permissions/{quote(broker.vhost, safe='')}/{quote(broker.auth[0], safe='')}",
            json={"configure": ".*", "write": ".*", "read": ".*"},
        )
        broker.users.append("guest-granted")
    return f"amqp://{broker.auth[0]}:{broker.auth[1]}@{broker.amqp_host}/{quote(broker.vhost, safe='')}"
