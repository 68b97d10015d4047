"""Operating the campus edge against the real broker: dead letters by id, a publisher's broker
user that can do nothing but publish to its own exchange, reconciliation with an export."""

import argparse
import json
import uuid
from urllib.parse import urlparse

import amqp
import amqp.exceptions
import pytest
import requests
from kombu import Connection

from cim import campus
from services.campus.service import CampusService
from shared import deadletters
from shared.campus import contract
from tests.builders.campus import a_campus_event, publish_campus, publish_structured
from tests.helpers import rows, wait_until
from tests.service.conftest import call

ADMIN = {"issuer": "cim-dev", "subject": "a-1", "role": "admin"}


@pytest.fixture
def edge(start_service, monkeypatch, service_config):
    monkeypatch.setenv("AMQP_URI", service_config["AMQP_URI"])  # what the cim commands read
    return start_service(CampusService, CIM_CAMPUS_ISSUER="cim-dev")


def test_dead_letters_are_listed_by_source_shown_replayed_and_discarded_by_id(edge, service_config, tmp_path):
    amqp_uri = service_config["AMQP_URI"]
    publish_campus(amqp_uri, "lms", b"{not json", "application/cloudevents+json")
    wrong = a_campus_event(contract.RECORDS_NAME_CHANGED)
    publish_structured(amqp_uri, wrong, system="mobility")  # a records type on mobility
    wait_until(lambda: len(deadletters.peek(amqp_uri)) == 2, message="two dead letters")

    [lms] = deadletters.peek(amqp_uri, source="lms")
    [mobility] = deadletters.peek(amqp_uri, source="mobility")
    assert "undecodable" in lms.reason and lms.queue == "campus.intake.lms"
    assert "belongs to campus.records" in mobility.reason and mobility.event_id == wrong["id"]
    shown = deadletters.show(amqp_uri, mobility.id)
    assert json.loads(shown.body)["id"] == wrong["id"] and "Unusable" in shown.error

    journal = tmp_path / "discarded.jsonl"
    with pytest.raises(ValueError):
        deadletters.discard(amqp_uri, lms.id, " ", by="ops")
    assert deadletters.discard(amqp_uri, lms.id, "garbage from a test client", by="ops", journal=journal).id == lms.id
    [entry] = [json.loads(line) for line in journal.read_text().splitlines()]
    assert (entry["letter"]["id"], entry["reason"], entry["by"]) == (lms.id, "garbage from a test client", "ops")
    assert "body" not in entry  # the log keeps no content

    assert deadletters.replay(amqp_uri, ids=[mobility.id]) == 1  # it fails again, as it must
    again = wait_until(
        lambda: [d for d in deadletters.peek(amqp_uri) if d.event_id == wrong["id"] and d.id != mobility.id],
        message="dead-lettered again",
    )
    assert [d.id for d in deadletters.peek(amqp_uri)] == [again[0].id]


def test_a_publisher_user_may_publish_to_its_own_exchange_and_nothing_else(edge, service_config):
    amqp_uri = service_config["AMQP_URI"]
    user, password, permissions = campus.publisher_user(amqp_uri, "lms")
    try:
        assert permissions == {"configure": "", "write": r"^(campus\.lms)$", "read": ""}
        broker = urlparse(amqp_uri)
        as_lms = broker._replace(netloc=f"{user}:{password}@{broker.hostname}:{broker.port or 5672}")
        event = a_campus_event(contract.LMS_ENROLMENT_CREATED, student_ref="s-own")
        with Connection(as_lms.geturl(), transport_options={"confirm_publish": True}) as conn:
            conn.Producer().publish(
                json.dumps(event),
                exchange="campus.lms",
                routing_key=event["type"],
                content_type="application/cloudevents+json",
            )
        wait_until(lambda: call(edge, "inbound_log", ADMIN, {"student_ref": "s-own"}), message="its own event received")
        refusals = {
            "publish to another system's exchange": lambda ch: ch.basic_publish(
                amqp.Message("{}"), exchange="campus.records", routing_key="x"
            ),
            "publish to a service's exchange": lambda ch: ch.basic_publish(
                amqp.Message("{}"), exchange="registration.events", routing_key="x"
            ),
            "read the edge's queue": lambda ch: ch.basic_get("campus.intake.lms"),
            "declare a queue": lambda ch: ch.queue_declare("mine", durable=True),
            "declare its own exchange": lambda ch: ch.exchange_declare("campus.lms", "topic", durable=True),
        }
        for what, attempt in refusals.items():
            with Connection(as_lms.geturl()) as conn:
                channel = conn.channel()
                channel.confirm_select()
                with pytest.raises(amqp.exceptions.AccessRefused):
                    attempt(channel)
                    channel.basic_qos(0, 1, False)  # a round trip surfaces an asynchronous refusal
                print("refused:", what)
    finally:
        api, auth, _ = campus.management(amqp_uri)
        requests.delete(f"{api}/users/{user}", auth=auth, timeout=10)


def _reconcile(tmp_path, capsys, lines, **flags):
    export = tmp_path / f"export-{uuid.uuid4().hex[:6]}.csv"
    export.write_text("\n".join(lines) + "\n")
    args = argparse.Namespace(
        **{
            "source": "mobility",
            "file": str(export),
            "apply": False,
            "student": None,
            "since": None,
            "all": False,
            **flags,
        }
    )
    campus.cmd_reconcile(args)
    return capsys.readouterr().out


def _log(database_url):
    return rows(database_url, "SELECT event_id, channel, status FROM inbound_events ORDER BY id")


def test_reconcile_prints_the_differences_and_applies_corrections_once(edge, database_url, tmp_path, capsys):
    held = [
        a_campus_event(
            contract.MOBILITY_EXCHANGE_COMPLETED, student_ref="s-r", mobility_id=m, host_institution="Leiden University"
        )
        for m in ("mob-A", "mob-C", "mob-D")
    ]
    call(edge, "receive", ADMIN, held)
    header = "student_ref,mobility_id,kind,host_institution,country,start_date,end_date"
    lines = [
        header,
        "s-r,mob-A,exchange_semester,Leiden University,NL,2025-09-01,2026-01-31",  # same
        "s-r,mob-B,summer_course,Uppsala Summer School,SE,2026-06-01,2026-06-30",  # missing
        "s-r,mob-C,exchange_semester,Utrecht University,NL,2025-09-01,2026-01-31",
    ]  # different
    before = _log(database_url)
    out = _reconcile(tmp_path, capsys, lines)
    assert "3 row(s); 1 the same, 1 missing, 1 different, 1 only in the platform" in out
    assert "only in the platform (left alone): mob-D" in out and "dry run: 2 correction" in out
    assert _log(database_url) == before  # a dry run sends nothing

    with pytest.raises(SystemExit, match="--all"):
        _reconcile(tmp_path, capsys, lines, apply=True)
    out = _reconcile(tmp_path, capsys, lines, apply=True, all=True)
    assert "applied: 2 correction(s) accepted" in out
    corrections = [r for r in _log(database_url) if r[1] == "reconcile"]
    assert len(corrections) == 2 and {r[2] for r in corrections} == {"waiting"}  # s-r unknown yet
    out = _reconcile(tmp_path, capsys, lines, apply=True, student="s-r")
    assert "3 the same, 0 missing, 0 different" in out and "nothing to correct" in out
    # the same correction sent again (a rerun racing the first) is a duplicate by its id
    from cim import reconcile

    again = reconcile.correction("mobility", dict(zip(lines[0].split(","), lines[2].split(","))))
    assert call(edge, "receive", ADMIN, [again])["results"][0]["status"] == "duplicate"
    assert len(_log(database_url)) == len(before) + 2
