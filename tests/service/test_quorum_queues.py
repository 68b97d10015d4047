"""The platform on quorum queues (as in production): a vhost whose default queue type is quorum,
or `CIM_QUEUE_TYPE=quorum` on a classic one. Event, retry and dead-letter queues are quorum and
work (consume, publish, retry through the TTL queue, dead-letter); every RPC reply queue is
classic, because it belongs to one process (shared.messaging)."""

from __future__ import annotations

import uuid
from urllib.parse import quote, urlsplit

import pytest
import requests
from nameko.rpc import rpc

from services.approvals.service import ApprovalsService
from shared import topology
from shared.events import STUDENT_WITHDRAWN
from shared.db import utcnow
from shared.messaging import ClusterRpcProxy, RpcProxy, on_event
from tests.helpers import EventTap, publish_event, wait_until
from tests.infra import amqp_uri, management_url
from tests.service.test_approvals_service import BIOMED, register_student, submit_activities

FAILURES_BEFORE_SUCCESS = {}  # event id -> failures still to raise (the probe's script)
SEEN = []


class QueueProbe:
    """Fails an event as often as the script says, then handles it; calls out by RPC."""

    name = "queue_probe"
    approvals = RpcProxy("approvals")

    @on_event(STUDENT_WITHDRAWN)
    def on_withdrawn(self, event):
        if FAILURES_BEFORE_SUCCESS.get(event.event_id, 0) > 0:
            FAILURES_BEFORE_SUCCESS[event.event_id] -= 1
            raise RuntimeError("not yet")
        SEEN.append(event.event_id)

    @rpc
    def ping(self):
        return "pong"


class Management:
    def __init__(self):
        parts = urlsplit(management_url())
        self.api = f"{parts.scheme}://{parts.hostname}:{parts.port}/api"
        self.auth = (parts.username or "guest", parts.password or "guest")
        amqp = urlsplit(amqp_uri())
        self.amqp = f"amqp://{self.auth[0]}:{self.auth[1]}@{amqp.hostname}:{amqp.port or 5672}"

    def call(self, method, path, **kwargs):
        response = requests.request(method, self.api + path, auth=self.auth, timeout=10, **kwargs)
        response.raise_for_status()
        return response

    def vhost(self, default_queue_type: str | None) -> str:
        name = f"cim-quorum-{uuid.uuid4().hex[:8]}"
        # 3.10 reads `defaultqueuetype`; later versions `default_queue_type`
        body = (
            {"defaultqueuetype": default_queue_type, "default_queue_type": default_queue_type}
            if default_queue_type
            else {}
        )
        self.call("PUT", f"/vhosts/{quote(name, safe='')}", json=body)
        self.call(
            "PUT",
            f"/permissions/{quote(name, safe='')}/{quote(self.auth[0], safe='')}",
            json={"configure": ".*", "write": ".*", "read": ".*"},
        )
        return name

    def messages(self, vhost: str, queue: str) -> int:
        """Messages in a queue, 0 while it does not exist yet."""
        response = requests.get(
            f"{self.api}/queues/{quote(vhost, safe='')}/{quote(queue, safe='')}", auth=self.auth, timeout=10
        )
        return response.json().get("messages", 0) if response.ok else 0

    def queue_types(self, vhost: str) -> dict[str, str]:
        return {q["name"]: q["type"] for q in self.call("GET", f"/queues/{quote(vhost, safe='')}").json()}


@pytest.fixture
def broker():
    management = Management()
    made = []

    def vhost(default_queue_type=None):
        name = management.vhost(default_queue_type)
        made.append(name)
        return name, f"{management.amqp}/{quote(name, safe='')}"

    management.new_vhost = vhost
    yield management
    for name in made:
        requests.delete(f"{management.api}/vhosts/{quote(name, safe='')}", auth=management.auth, timeout=10)


def test_the_vhost_default_makes_a_real_services_queues_quorum_and_its_round_trip_works(
    broker, start_service, database_url
):
    vhost, uri = broker.new_vhost("quorum")
    assert broker.call("GET", f"/vhosts/{vhost}").json()["default_queue_type"] == "quorum"
    start_service(ApprovalsService, AMQP_URI=uri)
    tap = EventTap(uri, [("approvals", "activity.#")])
    student_id = register_student(uri, database_url)
    [activity_id] = submit_activities(uri, database_url, student_id, kinds=("abroad",))
    with ClusterRpcProxy({"AMQP_URI": uri}) as cluster:
        assert cluster.approvals.inbox(BIOMED)["items"][0]["id"] == activity_id
        cluster.approvals.decide_activity(BIOMED, activity_id, {"decision": "approved"})
        types = broker.queue_types(vhost)
    assert tap.wait_for("activity.approved.v1")[0]["data"]["activity_id"] == activity_id
    tap.close()

    events = {name: kind for name, kind in types.items() if name.startswith("evt-")}
    assert events and set(events.values()) == {"quorum"}, events
    assert types["rpc-approvals"] == "quorum"
    replies = {name: kind for name, kind in types.items() if name.startswith("rpc.reply-")}
    assert replies and set(replies.values()) == {"classic"}, replies


def test_retries_and_dead_letters_run_through_quorum_queues(broker, container_factory, service_config):
    vhost, uri = broker.new_vhost("quorum")
    config = {**service_config, "AMQP_URI": uri, "CIM_RETRY_LIMIT": "3"}
    container_factory(QueueProbe, config).start()
    retried = publish_event(
        uri,
        STUDENT_WITHDRAWN,
        {"student_id": "s-1", "withdrawn_at": utcnow()},
        producer="registration",
        event_id=str(uuid.uuid4()),
    )
    FAILURES_BEFORE_SUCCESS[retried["event_id"]] = 1
    parked = str(uuid.uuid4())
    FAILURES_BEFORE_SUCCESS[parked] = 99
    publish_event(
        uri,
        STUDENT_WITHDRAWN,
        {"student_id": "s-2", "withdrawn_at": utcnow()},
        producer="registration",
        event_id=parked,
    )
    wait_until(lambda: retried["event_id"] in SEEN, message="the retried event handled")
    _, dl_queue = topology.dead_letter_topology("")
    wait_until(lambda: broker.messages(vhost, dl_queue.name) >= 1, message="the failing event parked")

    types = broker.queue_types(vhost)
    assert types["evt-registration-student.withdrawn.v1--queue_probe.on_withdrawn"] == "quorum"
    assert types["cim.retry.queue_probe.200ms.waiting"] == "quorum"
    assert types[dl_queue.name] == "quorum"
    replies = [kind for name, kind in types.items() if name.startswith("rpc.reply-queue_probe-")]
    assert replies == ["classic"]  # the probe's RpcProxy dependency


def test_cim_queue_type_quorum_declares_quorum_queues_on_a_classic_vhost(broker, container_factory, service_config):
    vhost, uri = broker.new_vhost(None)
    topology.declare(uri, 200, services=("approvals",), kind="quorum")  # as `cim migrate` would
    config = {**service_config, "AMQP_URI": uri, "CIM_QUEUE_TYPE": "quorum"}
    container_factory(QueueProbe, config).start()  # redeclares its queue: arguments must match
    event = publish_event(
        uri,
        STUDENT_WITHDRAWN,
        {"student_id": "s-3", "withdrawn_at": utcnow()},
        producer="registration",
        event_id=str(uuid.uuid4()),
    )
    wait_until(lambda: event["event_id"] in SEEN, message="the event handled")
    types = broker.queue_types(vhost)
    assert types["evt-registration-student.withdrawn.v1--queue_probe.on_withdrawn"] == "quorum"
    assert types["evt-registration-student.registered.v1--approvals.on_student_registered"] == "quorum"
    assert types["cim.retry.approvals.200ms.waiting"] == "quorum"
    assert types[topology.DEAD_LETTER_QUEUE] == "quorum"
    assert types["rpc-queue_probe"] == "classic"  # nameko's own RPC queue follows the vhost
    assert [k for n, k in types.items() if n.startswith("rpc.reply-")] == ["classic"]


def test_an_unknown_queue_type_is_refused():
    with pytest.raises(ValueError, match="quorum or classic"):
        topology.queue_type("approvals", {"CIM_QUEUE_TYPE": "quorom"})
