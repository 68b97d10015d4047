"""The ceremony's test data: ceremonies as scheduled, report uploads, approvals' events."""

from __future__ import annotations

import base64
import io
from datetime import datetime, timedelta, timezone

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, TextStringObject

from cim.journey import minimal_pdf
from shared.db import utcnow
from shared.rpc.ceremony import CeremonyPlan

STOCKHOLM_SUMMER = timezone(timedelta(hours=2))
PDF = minimal_pdf("Final report")  # a real one-page PDF: reports are parsed before storage


def a_pdf_that_can_run_things() -> bytes:
    """A one-page PDF with everything a final report may not carry: document JavaScript, an
    open action, page and annotation actions, a launch action and an embedded file."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(PDF)))
    writer.add_attachment("payload.exe", b"MZ not really")

    def script(code):
        return writer._add_object(
            DictionaryObject({NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject(code)})
        )

    names = writer._root_object["/Names"].get_object()
    names[NameObject("/JavaScript")] = writer._add_object(
        DictionaryObject(
            {NameObject("/Names"): ArrayObject([TextStringObject("hello"), script("app.alert('document');")])}
        )
    )
    writer._root_object[NameObject("/OpenAction")] = script("app.alert('open');")
    page = writer.pages[0]
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): script("app.alert('page');")})
    launch = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([NumberObject(0), NumberObject(0), NumberObject(100), NumberObject(100)]),
            NameObject("/A"): DictionaryObject(
                {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("calc.exe")}
            ),
        }
    )
    page[NameObject("/Annots")] = ArrayObject([writer._add_object(launch)])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def a_ceremony_plan(**overrides) -> dict:
    """The body of scheduling a ceremony: 14:00 Stockholm summer time, forty days ahead."""
    starts_at = (datetime.now(STOCKHOLM_SUMMER) + timedelta(days=40)).replace(
        hour=14, minute=0, second=0, microsecond=0
    )
    values = {
        "title": "CIM ceremony, spring",
        "starts_at": starts_at.isoformat(),
        "location": "Aula Medica",
        "capacity": 30,
        "language": "sv",
    }
    return {**values, **overrides}


def a_report_upload(content: bytes = PDF, filename: str = "final-report.pdf") -> dict:
    """The body of submitting the final report."""
    return {"filename": filename, "content_b64": base64.b64encode(content).decode()}


def a_requirement_met(student_id: str, **overrides) -> dict:
    """The data of student.activity_requirement_met.v1."""
    values = {
        "student_id": student_id,
        "programme": "MBIOM",
        "rule_set": "standard",
        "activity_ids": ["a-1", "a-2", "a-3"],
        "met_at": utcnow(),
    }
    return {**values, **overrides}


def an_approval_withdrawn(student_id: str, **overrides) -> dict:
    """The data of activity.approval_withdrawn.v1, by default leaving the requirement unmet."""
    values = {
        "activity_id": "a-2",
        "student_id": student_id,
        "version": 1,
        "withdrawn_by": "c-mbiom",
        "withdrawn_at": utcnow(),
        "reason": "the exchange was cancelled",
        "activity_requirement_met": False,
        "was_eligible": False,
    }
    return {**values, **overrides}


def a_report_decision(student_id: str, report_id: str, **overrides) -> dict:
    """The data of report.accepted.v1 / report.returned.v1."""
    values = {
        "student_id": student_id,
        "report_id": report_id,
        "decided_by": "c-mbiom",
        "decided_at": utcnow(),
        "comment": None,
    }
    return {**values, **overrides}


def a_plan(**overrides) -> CeremonyPlan:
    """`a_ceremony_plan` as the typed request a handler takes."""
    body = a_ceremony_plan(**overrides)
    return CeremonyPlan(**{**body, "starts_at": datetime.fromisoformat(body["starts_at"])})
