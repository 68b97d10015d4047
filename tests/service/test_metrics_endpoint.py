"""`GET /metrics` of a real service (approvals, on a real broker and database) counts what it did:
events handled, failed, retried and dead-lettered per handler, RPC latency, the outbox backlog."""

from __future__ import annotations

import json
import uuid

import eventlet
import pytest
import requests
import sqlalchemy as sa
from nameko.web.server import WebServer
from prometheus_client.parser import text_string_to_metric_families

from services.approvals.service import ApprovalsService
from shared.db import utcnow
from shared.events import STUDENT_WITHDRAWN
from shared.messaging import on_event
from tests.helpers import publish_raw, wait_until
from tests.service.conftest import call
from tests.service.test_approvals_service import BIOMED, register_student

FAIL_ONCE = set()
DONE = []


class ApprovalsWithAFlakyHandler(ApprovalsService):
    """The real approvals service plus one handler that fails the first delivery of an event."""

    @on_event(STUDENT_WITHDRAWN)
    def on_withdrawn_flaky(self, event):
        if event.event_id not in FAIL_ONCE:
            FAIL_ONCE.add(event.event_id)
            raise RuntimeError("first delivery fails")
        DONE.append(event.event_id)


def web_port(container) -> int:
    server = next(ext for ext in container.subextensions if isinstance(ext, WebServer))
    return server._sock.getsockname()[1]


def scrape(port: int) -> dict[tuple, float]:
    response = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    assert response.status_code == 200, response.text[:500]
    assert response.headers["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def approvals(start_service):
    return start_service(ApprovalsWithAFlakyHandler)


def test_metrics_count_the_events_a_service_handled_failed_retried_and_dead_lettered(
    approvals, service_config, database_url
):
    amqp, port = service_config["AMQP_URI"], web_port(approvals)
    before = scrape(port)
    student_id = register_student(amqp, database_url)  # handled once by on_student_registered
    publish_raw(
        amqp, "registration", "student.registered.v1", b'{"not": "an envelope"}', "application/json"
    )  # malformed: dead-lettered at once
    flaky = json.dumps(
        {
            "event_id": str(uuid.uuid4()),
            "event_type": STUDENT_WITHDRAWN,
            "occurred_at": utcnow().isoformat(),
            "producer": "registration",
            "correlation_id": "c-1",
            "data": {"student_id": student_id, "withdrawn_at": utcnow().isoformat()},
        }
    )
    publish_raw(amqp, "registration", STUDENT_WITHDRAWN, flaky.encode(), "application/json")
    wait_until(lambda: DONE, message="the flaky handler succeeded on its retry")
    assert call(approvals, "inbox", BIOMED)["items"] == []

    def grew(name, by, **labels):
        return value(scrape(port), name, **labels) - value(before, name, **labels) == by

    registered = {"service": "approvals", "handler": "on_student_registered"}
    flaky_handler = {"service": "approvals", "handler": "on_withdrawn_flaky"}
    wait_until(
        lambda: grew("cim_messages_dead_lettered_total", 1, reason="malformed", **registered),
        message="the malformed event counted",
    )
    after = scrape(port)

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("cim_messages_handled_total", **registered) == 1
    assert delta("cim_messages_failed_total", **registered) == 1
    assert delta("cim_messages_retried_total", **registered) == 0
    assert delta("cim_message_handling_seconds_count", **registered) == 1
    assert delta("cim_messages_failed_total", **flaky_handler) == 1
    assert delta("cim_messages_retried_total", **flaky_handler) == 1
    assert delta("cim_messages_handled_total", **flaky_handler) == 1
    assert delta("cim_messages_dead_lettered_total", reason="exhausted", **flaky_handler) == 0
    assert delta("cim_message_handling_seconds_count", **flaky_handler) == 2
    assert delta("cim_rpc_seconds_count", service="approvals", method="inbox", outcome="ok") == 1
    assert ("cim_outbox_backlog", (("service", "approvals"),)) in after


def test_the_outbox_backlog_and_its_age_are_read_when_prometheus_scrapes(start_service, database_url):
    # The relay polls every 10 minutes here and nothing commits through the service, so a row
    # written behind its back stays unpublished while the test looks.
    container = start_service(ApprovalsService, CIM_OUTBOX_POLL_MS="600000")
    port = web_port(container)
    eventlet.sleep(0.5)  # the relay's first pass (at start) is over
    assert value(scrape(port), "cim_outbox_backlog", service="approvals") == 0
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO outbox (event_id, event_type, exchange, payload, correlation_id, created_at,"
                " attempts) VALUES (:id, 'student.eligible.v1', 'approvals.events', '{}', 'c',"
                " now() - interval '90 seconds', 0)"
            ),
            {"id": str(uuid.uuid4())},
        )
    engine.dispose()
    samples = scrape(port)
    assert value(samples, "cim_outbox_backlog", service="approvals") == 1
    assert 90 <= value(samples, "cim_outbox_oldest_age_seconds", service="approvals") < 120
