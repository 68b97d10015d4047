"""The graduation batch: N eligible students through the running platform to sealed PDFs,
Diploma Supplement records and emails, against rendering the same N PDFs bare in one process."""

from __future__ import annotations

import json
import mailbox
import time

import sqlalchemy as sa
from weasyprint import HTML

from services.certificates import render
from shared.events import STUDENT_ELIGIBLE, STUDENT_REGISTERED, make_event
from tests.builders import a_student
from tests.builders.certificates import an_eligibility
from tests.helpers import publish_raw


def _count(url: str, sql: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql)).scalar()
    finally:
        engine.dispose()


def _emails(layout) -> int:
    return len(mailbox.Maildir(str(layout.mail), create=True))


def through_the_platform(running, n: int, timeout_s: float = 1800) -> dict:
    """Seconds from the first eligibility published to the last of N sealed certificates, DS
    records and certificate emails (the students registered beforehand, not timed)."""
    ids = [f"stu-grad-{i:05d}" for i in range(n)]
    for student_id in ids:
        envelope = make_event(
            STUDENT_REGISTERED,
            a_student(student_id=student_id, email=f"{student_id}@example.org"),
            producer="registration",
        )
        publish_raw(running.amqp, "registration", STUDENT_REGISTERED, json.dumps(envelope).encode(), "application/json")
    cert_url, mail_url = running.database_urls["certificates"], running.database_urls["notifications"]
    deadline = time.monotonic() + 300
    while _count(mail_url, "SELECT count(*) FROM recipients") < n and time.monotonic() < deadline:
        time.sleep(0.5)
    before = _emails(running.layout)
    started = time.monotonic()
    for student_id in ids:
        envelope = make_event(
            STUDENT_ELIGIBLE, an_eligibility(student_id, email=f"{student_id}@example.org"), producer="approvals"
        )
        publish_raw(running.amqp, "approvals", STUDENT_ELIGIBLE, json.dumps(envelope).encode(), "application/json")
    deadline = started + timeout_s
    done = {}
    while time.monotonic() < deadline:
        done = {
            "certificates": _count(cert_url, "SELECT count(*) FROM certificates WHERE state = 'valid'"),
            "supplement": _count(cert_url, "SELECT count(*) FROM diploma_supplement_entries"),
            "emails": _emails(running.layout) - before,
        }
        if min(done.values()) >= n:
            break
        time.sleep(0.5)
    return {"seconds": time.monotonic() - started, **done}


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
