"""Routes answered by the activities service."""
from __future__ import annotations

from services.gateway.domain import STUDENT
from services.gateway.http import ANY_ROLE, json_body, route, Routes


class ActivitiesRoutes(Routes):
    @route("GET", "/v1/activity-types", roles=ANY_ROLE)
    def activity_types(self, request, identity):
        return 200, self.activities.list_activity_types()

    @route("POST", "/v1/me/activities", roles=(STUDENT,))
    def log_activity(self, request, identity):
        body = json_body(request)
        return 201, self.activities.log_activity(self._student(identity), body)

    @route("GET", "/v1/me/activities", roles=(STUDENT,))
    def my_activities(self, request, identity):
        return 200, self.activities.list_activities(self._student(identity))

    @route("GET", "/v1/me/activities/<string:activity_id>", roles=(STUDENT,))
    def my_activity(self, request, identity, activity_id):
        return 200, self.activities.get_activity(self._student(identity), activity_id)

    @route("PUT", "/v1/me/activities/<string:activity_id>", roles=(STUDENT,))
    def resubmit_activity(self, request, identity, activity_id):
        body = json_body(request)
        return 200, self.activities.resubmit(self._student(identity), activity_id, body)

    @route("DELETE", "/v1/me/activities/<string:activity_id>", roles=(STUDENT,))
    def withdraw_activity(self, request, identity, activity_id):
        return 200, self.activities.withdraw(self._student(identity), activity_id)

    @route("POST", "/v1/me/activities/<string:activity_id>/sessions", roles=(STUDENT,))
    def add_session(self, request, identity, activity_id):
        body = json_body(request)
        return 201, self.activities.add_session(self._student(identity), activity_id, body)
