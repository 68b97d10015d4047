"""The CIM journey driven through the gateway: used by `cim demo` and the end-to-end test.

Steps wait for the platform to catch up (events are asynchronous) but never skip one.
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests

from services.gateway.auth import issue_dev_token

COORDINATOR = "c-biomed"  # seed coordinator of the Biomedicine programmes

ACTIVITIES = [
    {
        "type": "conference",
        "title": "Nordic Biomedicine Conference",
        "description": "Presented a poster at an international conference in Lund.",
        "location": {"kind": "sweden", "country": "SE"},
        "start_date": "2026-03-02",
        "end_date": "2026-03-04",
    },
    {
        "type": "exchange_semester",
        "title": "Exchange semester in Leiden",
        "description": "One semester of biomedical studies at Leiden University.",
        "location": {"kind": "abroad", "country": "NL"},
        "start_date": "2025-09-01",
        "end_date": "2026-01-20",
    },
    {
        "type": "journal_club",
        "title": "International journal club",
        "description": "Started a journal club with exchange students.",
        "location": {"kind": "sweden", "country": "SE"},
        "start_date": "2026-04-01",
        "end_date": "2026-05-30",
    },
]


def minimal_pdf(text: str = "Final report") -> bytes:
    """A small, valid one-page PDF (the student's final report in the demo)."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


class JourneyError(AssertionError):
    pass


class Client:
    def __init__(self, base_url: str, token: str | None):
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, expect: int | tuple = 200, **kwargs) -> requests.Response:
        response = self.session.request(method, self.base_url + path, timeout=60, **kwargs)
        expected = expect if isinstance(expect, tuple) else (expect,)
        if response.status_code not in expected:
            raise JourneyError(f"{method} {path}: expected {expect}, got {response.status_code}: {response.text[:500]}")
        return response

    def until(
        self, method: str, path: str, expect: int = 200, timeout: float = 60, accept=lambda response: True, **kwargs
    ) -> requests.Response:
        """Repeat a call until it gives `expect` and `accept(response)`; events take a moment."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            last = self.session.request(method, self.base_url + path, timeout=60, **kwargs)
            if last.status_code == expect and accept(last):
                return last
            if last.status_code >= 500:
                raise JourneyError(f"{method} {path}: {last.status_code}: {last.text[:500]}")
            time.sleep(0.3)
        raise JourneyError(
            f"{method} {path}: no {expect} within {timeout}s; last "
            f"{last.status_code if last is not None else None}: "
            f"{last.text[:300] if last is not None else ''}"
        )


def run(
    base_url: str, secret: str, out_dir: Path, name: str = "Astrid Example", log=print, timeout: float = 90
) -> dict:
    suffix = uuid.uuid4().hex[:8]
    student_sub = f"s-{suffix}"
    email = f"{student_sub}@student.example.org"
    student = Client(base_url, issue_dev_token(secret, student_sub, "student", name=name, email=email))
    coordinator = Client(base_url, issue_dev_token(secret, COORDINATOR, "coordinator"))
    public = Client(base_url, None)

    log(f"1. {name} ({student_sub}) registers in the Master's programme in Biomedicine")
    registration = student.call(
        "POST",
        "/v1/registrations",
        201,
        json={"programme": "MBIOM", "expected_graduation": "2027-06", "language": "en"},
    ).json()
    student_id = registration["student_id"]

    log("2. logs three activities: one in Sweden, one abroad, one more")
    activity_ids = [student.call("POST", "/v1/me/activities", 201, json=a).json()["id"] for a in ACTIVITIES]

    log(f"3. the coordinator ({COORDINATOR}) finds them in the inbox and approves them")
    # the inbox filtered to this student: found however many older items wait before them
    mine = {"student": student_id, "limit": 500}
    coordinator.until(
        "GET",
        "/v1/coordinator/inbox",
        timeout=timeout,
        params=mine,
        accept=lambda r: set(activity_ids) <= {item["id"] for item in r.json()},
    )
    for activity_id, logged in zip(activity_ids, ACTIVITIES):
        seen = coordinator.call("GET", f"/v1/activities/{activity_id}").json()
        if (seen["title"], seen["description"]) != (logged["title"], logged["description"]):
            raise JourneyError(f"the coordinator sees another activity: {seen}")
        coordinator.call(
            "POST",
            f"/v1/activities/{activity_id}/decision",
            200,
            json={"decision": "approved", "comment": "Well documented.", "version": seen["version"]},
        )

    log("4. the activity requirement is met")
    student.until("GET", "/v1/me/progress", timeout=timeout, accept=lambda r: r.json()["activity_requirement_met"])

    log("5. the student uploads the final report; the coordinator accepts it")
    report = minimal_pdf(f"Final report of {student_sub}")
    student.until(
        "POST",
        "/v1/me/report?filename=final-report.pdf",
        201,
        timeout=timeout,
        data=report,
        headers={"Content-Type": "application/pdf"},
    )
    coordinator.until(
        "GET",
        "/v1/coordinator/inbox",
        timeout=timeout,
        params={**mine, "kind": "report"},
        accept=lambda r: any(item["student_id"] == student_id for item in r.json()),
    )
    if coordinator.call("GET", f"/v1/students/{student_id}/report.pdf").content != report:
        raise JourneyError("the coordinator does not get the report the student uploaded")
    coordinator.call(
        "POST",
        f"/v1/students/{student_id}/report/decision",
        200,
        json={"decision": "accepted", "comment": "A thoughtful report."},
    )
    student.until("GET", "/v1/me/report", timeout=timeout, accept=lambda r: r.json()["status"] == "accepted")

    log("6. a ceremony is scheduled and the student books it")
    starts_at = (datetime.now(timezone.utc) + timedelta(days=30)).replace(microsecond=0)
    ceremony = coordinator.call(
        "POST",
        "/v1/ceremonies",
        201,
        json={
            "title": "CIM ceremony",
            "starts_at": starts_at.isoformat(),
            "location": "BMC, Lund",
            "capacity": 40,
            "language": "en",
        },
    ).json()
    student.until("POST", f"/v1/ceremonies/{ceremony['id']}/bookings", 201, timeout=timeout)

    log("7. the coordinator records the presentation")
    coordinator.call("POST", f"/v1/ceremonies/{ceremony['id']}/presentations", 201, json={"student_id": student_id})

    log("8. eligible: the certificate is issued")
    certificate = student.until("GET", "/v1/me/certificate", timeout=timeout).json()
    pdf = student.call("GET", "/v1/me/certificate.pdf", 200).content
    out_dir.mkdir(parents=True, exist_ok=True)
    pdf_path = out_dir / f"certificate-{student_sub}.pdf"
    pdf_path.write_bytes(pdf)

    log("9. a verifier checks the code")
    verification = public.call("GET", f"/v1/verify/{certificate['code']}", 200).json()
    if verification["status"] != "valid":
        raise JourneyError(f"the certificate does not verify: {verification}")
    return {
        "student_id": student_id,
        "student_sub": student_sub,
        "email": email,
        "activity_ids": activity_ids,
        "ceremony_id": ceremony["id"],
        "certificate": certificate,
        "verification": verification,
        "pdf_path": pdf_path,
    }
