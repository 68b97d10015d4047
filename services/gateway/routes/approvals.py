"""Routes answered by the approvals service."""
from __future__ import annotations

from services.gateway.domain import ADMIN, COORDINATOR, STUDENT
from services.gateway.http import json_body, route, Routes


class ApprovalsRoutes(Routes):
    @route("GET", "/v1/me/progress", roles=(STUDENT,))
    def progress(self, request, identity):
        return 200, self.approvals.progress(self._student(identity))

    @route("GET", "/v1/coordinator/inbox", roles=(COORDINATOR, ADMIN))
    def inbox(self, request, identity):
        return 200, self.approvals.inbox(self._staff(identity))

    @route("POST", "/v1/activities/<string:activity_id>/decision", roles=(COORDINATOR, ADMIN))
    def decide_activity(self, request, identity, activity_id):
        body = json_body(request)
        return 200, self.approvals.decide_activity(self._staff(identity), activity_id, body)

    @route("POST", "/v1/students/<string:student_id>/report/decision", roles=(COORDINATOR, ADMIN))
    def decide_report(self, request, identity, student_id):
        body = json_body(request)
        return 200, self.approvals.decide_report(self._staff(identity), student_id, body)

    @route("PUT", "/v1/coordinators/<string:subject>", roles=(ADMIN,))
    def put_coordinator(self, request, identity, subject):
        body = json_body(request)
        return 200, self.approvals.put_coordinator(self._staff(identity), subject, body)
