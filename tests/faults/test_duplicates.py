"""Every message delivered twice, poison mixed into the batch: the duplicates change nothing,
the poison is parked with its reason, the batch completes around it. And the control: with an
idempotency key broken on purpose, the same accounting sees the duplicates."""

import json
import sys
import uuid

from cim import platform
from shared.db import utcnow
from shared.events import PRESENTATION_RECORDED
from shared.settings import REPO_ROOT
from tests.faults import scenario
from tests.faults.accounting import HANDLINGS_PER_JOURNEY
from tests.faults.conftest import restart
from tests.faults.republisher import Republisher
from tests.helpers import publish_raw

CONSUMERS_OF_POISON = sum(1 for _, kind in HANDLINGS_PER_JOURNEY if kind == PRESENTATION_RECORDED)


def _poison(amqp_uri: str, marker: str):
    """Two messages no consumer can use: one not JSON at all, one an envelope whose data breaks
    its schema. Published as the ceremony's relay would, in among the batch's events."""

    def send():
        publish_raw(amqp_uri, "ceremony", PRESENTATION_RECORDED, f"{{not json {marker}".encode(), "application/json")
        envelope = {
            "event_id": str(uuid.uuid4()),
            "event_type": PRESENTATION_RECORDED,
            "occurred_at": utcnow().isoformat(),
            "producer": "ceremony",
            "correlation_id": marker,
            "data": {"student_id": 7, "note": marker},
        }
        publish_raw(amqp_uri, "ceremony", PRESENTATION_RECORDED, json.dumps(envelope).encode(), "application/json")

    return send


POISON_MESSAGES = 2


def test_every_message_twice_and_poison_change_nothing_and_poison_is_parked_with_its_reason(faults_platform, figures):
    marker = f"poison-{uuid.uuid4().hex[:8]}"
    with Republisher(faults_platform.amqp_uri) as republisher:
        result = scenario.run(
            faults_platform,
            figures,
            "every message twice, poison mixed in",
            fault=lambda: None,
            poison=_poison(faults_platform.amqp_uri, marker),
            poison_marker=marker,
            size=8,
        )
    assert republisher.copied >= result.sent, "not every event was delivered twice"
    assert result.holds(), result.summary()
    # each poison message and its copy, in each queue that received it, parked once
    assert result.poison == POISON_MESSAGES * 2 * CONSUMERS_OF_POISON, result.summary()
    reasons = " ".join(letter.error for letter in result.detail["letters"])
    assert "undecodable" in reasons and "MalformedEvent" in reasons, reasons


def _start_unguarded(platform_):
    env = {**platform_.env, "WEB_SERVER_ADDRESS": f"127.0.0.1:{platform_.ports['activities']}", "PYTHONUNBUFFERED": "1"}
    platform._spawn(
        "activities",
        [
            sys.executable,
            "-m",
            "nameko",
            "run",
            "tests.faults.unguarded:UnguardedActivitiesService",
            "--config",
            str(REPO_ROOT / "config.yaml"),
        ],
        env,
        platform_.layout,
    )
    platform.wait_healthy({"activities": platform_.ports["activities"]}, timeout=120, layout=platform_.layout)


def test_with_the_idempotency_key_broken_on_purpose_the_accounting_reports_duplicates(faults_platform, figures):
    platform.stop(faults_platform.layout, "activities")
    _start_unguarded(faults_platform)
    try:
        with Republisher(faults_platform.amqp_uri):
            result = scenario.run(
                faults_platform,
                figures,
                "control: activities' claim broken on purpose (must read NO)",
                fault=lambda: None,
                size=3,
                after=1,
            )
    finally:
        platform.stop(faults_platform.layout, "activities")
        restart(faults_platform, "activities")
    assert not result.holds(), result.summary()
    assert result.duplicated > 0, result.summary()
