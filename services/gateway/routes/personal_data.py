"""Routes about a person's own data: export, withdrawal and (for an admin) erasure (RULES.md)."""

from __future__ import annotations

import base64

from werkzeug.wrappers import Response

from services.gateway.bodies import json_body
from services.gateway.routes import Routes
from services.gateway.routing import route
from shared.db import utcnow
from shared.permissions import ADMIN, STUDENT
from shared.rpc.personal_data import ErasureRequest, ExportView, WithdrawalRequest
from shared.rpc.registration import StudentView

# Every service owning data answers `export_personal_data` for the calling student (its own
# tables only; shared/personal_service.py); the gateway puts the answers side by side.
HOLDERS = ("registration", "activities", "approvals", "ceremony", "certificates", "notifications", "campus")
DOWNLOADS = {
    "final_report": "/v1/me/report.pdf",
    "certificate": "/v1/me/certificate.pdf",
    "badge": "/v1/me/certificate/badge",
}


class PersonalDataRoutes(Routes):
    @route("GET", "/v1/me/export", roles=(STUDENT,), response=ExportView)
    def export(self, request, identity):
        """Everything the platform holds about the caller, from every service, as one document."""
        student = self._student(identity)
        held = {service: getattr(self, service).export_personal_data(student) for service in HOLDERS}
        profile = self.registration.get_student(student["student_id"])
        return 200, {
            "student_id": student["student_id"],
            "exported_at": utcnow().isoformat(),
            "profile": profile,
            "held": held,
            "downloads": DOWNLOADS,
        }

    @route("GET", "/v1/me/report.pdf", roles=(STUDENT,), produces="application/pdf")
    def my_report_file(self, request, identity):
        """The student's latest final report, as they uploaded it."""
        student = self._student(identity)
        document = self.ceremony.download_report(student, student["student_id"])
        return Response(
            base64.b64decode(document["content_b64"]),
            mimetype="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{document["filename"]}"'},
        )

    @route(
        "POST",
        "/v1/me/withdrawal",
        roles=(STUDENT,),
        body=WithdrawalRequest,
        body_required=False,
        response=StudentView,
        status=200,
    )
    def withdrawal(self, request, identity):
        """{reason?}: leave the CIM; undecided items are withdrawn, a booking released, a
        confirmation sent; what was issued stays."""
        body = json_body(request) if request.content_length else {}
        try:
            return 200, self.registration.withdraw(self._person(identity), body)
        finally:
            self.students.forget_person(identity.issuer, identity.subject)  # this replica at once

    @route("DELETE", "/v1/students/<string:student_id>/personal-data", roles=(ADMIN,), body=ErasureRequest, status=202)
    def erase(self, request, identity, student_id):
        """{reason}: erase the student's personal data in every service (what an issued
        certificate states stays); the report is at .../personal-data/erasure."""
        erasure = self.registration.request_erasure(self._person(identity), student_id, json_body(request))
        self.students.forget_student(student_id)  # this replica at once, the others within the TTL
        return 202, erasure

    @route("GET", "/v1/students/<string:student_id>/personal-data/erasure", roles=(ADMIN,))
    def erasure_report(self, request, identity, student_id):
        """What each service did with the latest erasure: when it erased, and what it still
        holds (kept: what an issued certificate states; overwritten: pseudonymised rows)."""
        actor = self._person(identity)
        erasure = self.registration.latest_erasure(actor, student_id)
        services = {
            service: getattr(self, service).erasure_report(actor, student_id, erasure["erasure_id"])
            for service in HOLDERS
        }
        return 200, {**erasure, "complete": all(s["erased_at"] for s in services.values()), "services": services}
