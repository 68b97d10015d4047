"""Routes answered by the ceremony service."""

from __future__ import annotations

import base64
import re

from marshmallow import fields, validate
from werkzeug.wrappers import Response

from services.gateway.bodies import json_body
from services.gateway.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType
from services.gateway.paging import page_query
from services.gateway.routes import Routes
from services.gateway.routing import ANY_ROLE, route
from shared.permissions import ADMIN, COORDINATOR, STUDENT
from shared.rpc import Payload
from shared.rpc.registration import NAMES_MOST
from shared.rpc.ceremony import (
    BookingView,
    CancelRequest,
    CeremonyView,
    ChangeRequest,
    PresentationRequest,
    PresentationView,
    ReportDetailView,
    ReportView,
    RosterView,
    ScheduleRequest,
)


def _header_safe(filename: str) -> str:
    """A file name fit for a quoted header value: the student's name, its odd characters as _."""
    return re.sub(r"[^A-Za-z0-9._ -]", "_", filename)[:200] or "final-report.pdf"


class ReportUploadQuery(Payload):
    filename = fields.String(
        validate=validate.Length(min=1, max=200), metadata={"description": "the file's name (application/pdf uploads)"}
    )


class CeremonyRoutes(Routes):
    @route("GET", "/v1/me/report", roles=(STUDENT,), response=ReportDetailView)
    def my_report(self, request, identity):
        """The student's latest final report, its status and the coordinator's comment."""
        student = self._student(identity)
        return 200, self.ceremony.get_report(student, student["student_id"])

    @route("GET", "/v1/students/<string:student_id>/report", roles=(COORDINATOR, ADMIN), response=ReportDetailView)
    def student_report(self, request, identity, student_id):
        """A student's latest final report, for their programme's coordinator."""
        return 200, self.ceremony.get_report(self._staff(identity), student_id)

    @route("GET", "/v1/students/<string:student_id>/report.pdf", roles=(COORDINATOR, ADMIN), produces="application/pdf")
    def student_report_file(self, request, identity, student_id):
        """The report itself, so the coordinator reads it before accepting or returning it."""
        document = self.ceremony.download_report(self._staff(identity), student_id)
        # An attachment the browser must not sniff into anything else: saved, never displayed.
        return Response(
            base64.b64decode(document["content_b64"]),
            mimetype="application/pdf",
            headers={
                "Content-Disposition": f'attachment; filename="{_header_safe(document["filename"])}"',
                "X-Content-Type-Options": "nosniff",
                "X-Content-SHA256": document["sha256"],
            },
        )

    @route(
        "POST",
        "/v1/me/report",
        roles=(STUDENT,),
        query=ReportUploadQuery,
        response=ReportView,
        consumes=("application/pdf", "multipart/form-data"),
    )
    def submit_report(self, request, identity):
        limit = self.settings.max_upload_bytes
        if (request.content_length or 0) > limit:
            raise PayloadTooLarge(f"the report may be at most {limit} bytes")
        if request.mimetype == "application/pdf":
            content = request.get_data(cache=False)
            filename = request.args.get("filename", "final-report.pdf")
        elif request.mimetype == "multipart/form-data":
            upload = request.files.get("file")
            if upload is None:
                raise BadRequest("send the report in a form field named 'file'")
            content, filename = upload.read(limit + 1), upload.filename or "final-report.pdf"
        else:
            raise UnsupportedMediaType("send the report as application/pdf or multipart/form-data")
        if len(content) > limit:
            raise PayloadTooLarge(f"the report may be at most {limit} bytes")
        student = self._student(identity)
        return 201, self.ceremony.submit_report(
            student, {"filename": filename[:200], "content_b64": base64.b64encode(content).decode()}
        )

    @route("GET", "/v1/ceremonies", roles=ANY_ROLE, response=CeremonyView(many=True))
    def ceremonies(self, request, identity):
        return 200, self.ceremony.list_ceremonies(page_query(request))

    @route("POST", "/v1/ceremonies/<string:ceremony_id>/bookings", roles=(STUDENT,), response=BookingView)
    def book(self, request, identity, ceremony_id):
        return 201, self.ceremony.book(self._student(identity), ceremony_id)

    @route("GET", "/v1/me/booking", roles=(STUDENT,), response=BookingView)
    def my_booking(self, request, identity):
        """The student's booking or waiting place (with its position in line)."""
        return 200, self.ceremony.my_booking(self._student(identity))

    @route("DELETE", "/v1/me/booking", roles=(STUDENT,), response=BookingView)
    def cancel_my_booking(self, request, identity):
        """Cancel the booking or leave the waiting list, until the cancellation deadline; a
        freed place goes to the first in line."""
        return 200, self.ceremony.cancel_my_booking(self._student(identity))

    @route(
        "PATCH",
        "/v1/ceremonies/<string:ceremony_id>",
        roles=(COORDINATOR, ADMIN),
        body=ChangeRequest,
        response=CeremonyView,
    )
    def change_ceremony(self, request, identity, ceremony_id):
        """A new time, place or capacity, by a coordinator of a programme it serves; every
        booked student is told of a new time or place."""
        body = json_body(request)
        return 200, self.ceremony.change(self._staff(identity), ceremony_id, body)

    @route(
        "POST",
        "/v1/ceremonies/<string:ceremony_id>/cancellation",
        roles=(COORDINATOR, ADMIN),
        body=CancelRequest,
        response=CeremonyView,
        status=200,
    )
    def cancel_ceremony(self, request, identity, ceremony_id):
        """Cancel the ceremony with a reason: its bookings and waiting list lapse, and every
        student on them is told."""
        body = json_body(request)
        return 200, self.ceremony.cancel(self._staff(identity), ceremony_id, body)

    @route("GET", "/v1/ceremonies/<string:ceremony_id>/roster", roles=(COORDINATOR, ADMIN), response=RosterView)
    def roster(self, request, identity, ceremony_id):
        """Who presents, in booking order, with their report status; then the waiting list."""
        roster = self.ceremony.roster(self._staff(identity), ceremony_id)
        names = self._names(roster)
        for entry in roster["presenting"] + roster["waiting"]:
            entry["name"] = names.get(entry["student_id"])
        return 200, roster

    @route(
        "GET", "/v1/ceremonies/<string:ceremony_id>/roster.pdf", roles=(COORDINATOR, ADMIN), produces="application/pdf"
    )
    def roster_pdf(self, request, identity, ceremony_id):
        """The roster, printable: names, booking order, report status, a column to mark."""
        staff = self._staff(identity)
        roster = self.ceremony.roster(staff, ceremony_id)  # refuses a foreign coordinator first
        document = self.ceremony.roster_pdf(staff, ceremony_id, self._names(roster))
        return Response(
            base64.b64decode(document["content_b64"]),
            mimetype="application/pdf",
            headers={
                "Content-Disposition": f'attachment; filename="{document["filename"]}"',
                "X-Content-Type-Options": "nosniff",
            },
        )

    def _names(self, roster: dict) -> dict:
        """Each listed student's name, from registration (the ceremony keeps none): one RPC per
        NAMES_MOST students, not one per student. An erased or unknown one is not named: the
        roster shows the id."""
        ids = list(dict.fromkeys(entry["student_id"] for entry in roster["presenting"] + roster["waiting"]))
        names = {}
        for start in range(0, len(ids), NAMES_MOST):
            names.update(self.registration.student_names({"student_ids": ids[start : start + NAMES_MOST]}))
        return names

    @route("POST", "/v1/ceremonies", roles=(COORDINATOR, ADMIN), body=ScheduleRequest, response=CeremonyView)
    def schedule_ceremony(self, request, identity):
        body = json_body(request)
        return 201, self.ceremony.schedule(self._staff(identity), body)

    @route(
        "POST",
        "/v1/ceremonies/<string:ceremony_id>/presentations",
        roles=(COORDINATOR, ADMIN),
        body=PresentationRequest,
        response=PresentationView,
    )
    def record_presentation(self, request, identity, ceremony_id):
        body = json_body(request)
        return 201, self.ceremony.record_presentation(self._staff(identity), ceremony_id, body)
