"""The graduation batch: N eligible students through the running platform to sealed PDFs,
Diploma Supplement records and emails, against rendering the same N PDFs bare in one process."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import sqlalchemy as sa
from kombu import Connection
from weasyprint import HTML

from services.certificates import render
from shared.events import STUDENT_ELIGIBLE, STUDENT_REGISTERED, make_event
from shared.outbox import event_exchange
from tests.builders import a_student
from tests.builders.certificates import an_eligibility


class _Counts:
    """The batch's progress, read twice a second: one engine per database for the whole run and
    the mail sink's folders listed, so the watching takes little of the CPU it measures (a new
    engine per count and a Maildir parse per look took a tenth of all the CPU of a batch)."""

    def __init__(self, running):
        self.certificates = sa.create_engine(running.database_urls["certificates"], pool_size=1)
        self.notifications = sa.create_engine(running.database_urls["notifications"], pool_size=1)
        self.mail = Path(running.layout.mail)

    def scalar(self, engine, sql: str) -> int:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql)).scalar()

    def recipients(self) -> int:
        return self.scalar(self.notifications, "SELECT count(*) FROM recipients")

    def emails(self) -> int:
        return sum(len(os.listdir(self.mail / box)) for box in ("new", "cur") if (self.mail / box).is_dir())

    def close(self):
        self.certificates.dispose()
        self.notifications.dispose()


class _Publisher:
    """Every event of the run on one broker connection (not a connection per event)."""

    def __init__(self, amqp_uri: str):
        self.connection = Connection(amqp_uri)
        self.producer = self.connection.Producer()
        self.exchanges = {}

    def publish(self, producer: str, event_type: str, data: dict):
        if producer not in self.exchanges:
            exchange = event_exchange(producer)(self.connection.default_channel)
            exchange.declare()
            self.exchanges[producer] = exchange
        envelope = make_event(event_type, data, producer=producer)
        self.producer.publish(
            json.dumps(envelope).encode(),
            exchange=self.exchanges[producer],
            routing_key=event_type,
            content_type="application/json",
            content_encoding="utf-8",
            delivery_mode=2,
        )

    def close(self):
        self.connection.release()


def through_the_platform(running, n: int, timeout_s: float = 1800) -> dict:
    """Seconds from the first eligibility published to the last of N sealed certificates, DS
    records and certificate emails (the students registered beforehand, not timed)."""
    ids = [f"stu-grad-{i:05d}" for i in range(n)]
    counts, publisher = _Counts(running), _Publisher(running.amqp)
    try:
        for student_id in ids:
            publisher.publish(
                "registration", STUDENT_REGISTERED, a_student(student_id=student_id, email=f"{student_id}@example.org")
            )
        deadline = time.monotonic() + 300
        while counts.recipients() < n and time.monotonic() < deadline:
            time.sleep(0.5)
        before = counts.emails()
        started = time.monotonic()
        for student_id in ids:
            eligibility = an_eligibility(student_id, email=f"{student_id}@example.org")
            publisher.publish("approvals", STUDENT_ELIGIBLE, eligibility)
        deadline = started + timeout_s
        done = {}
        while time.monotonic() < deadline:
            done = {
                "certificates": counts.scalar(
                    counts.certificates, "SELECT count(*) FROM certificates WHERE state = 'valid'"
                ),
                "supplement": counts.scalar(counts.certificates, "SELECT count(*) FROM diploma_supplement_entries"),
                "emails": counts.emails() - before,
            }
            if min(done.values()) >= n:
                break
            time.sleep(0.5)
        return {"seconds": time.monotonic() - started, **done}
    finally:
        counts.close()
        publisher.close()


def bare(n: int) -> float:
    """Seconds to render the same certificate's HTML N times with WeasyPrint, one process."""
    html = render.certificate_html(an_eligibility_content())
    HTML(string=html, base_url=render.TEMPLATES.as_uri() + "/").write_pdf()  # warm-up
    started = time.monotonic()
    for _ in range(n):
        HTML(string=html, base_url=render.TEMPLATES.as_uri() + "/").write_pdf()
    return time.monotonic() - started


def an_eligibility_content() -> dict:
    from bench.render import CONTENT

    return CONTENT
