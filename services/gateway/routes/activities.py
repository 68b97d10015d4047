"""Routes answered by the activities service."""

from __future__ import annotations

from services.gateway.bodies import json_body
from services.gateway.paging import page_query
from services.gateway.routes import Routes
from services.gateway.routing import ANY_ROLE, route
from shared.permissions import ADMIN, STUDENT
from shared.rpc.activities import (
    ActivityRequest,
    ActivityTypeRequest,
    ActivityTypeView,
    ActivityVersionView,
    ActivityView,
    SessionRequest,
)


class ActivitiesRoutes(Routes):
    @route("GET", "/v1/activity-types", roles=ANY_ROLE, response=ActivityTypeView(many=True))
    def activity_types(self, request, identity):
        return 200, self.activities.list_activity_types(page_query(request))

    @route(
        "PUT",
        "/v1/activity-types/<string:code>",
        roles=(ADMIN,),
        body=ActivityTypeRequest,
        response=ActivityTypeView,
        status=200,
    )
    def put_activity_type(self, request, identity, code):
        """An admin adds (201) or changes (200) a catalogue entry."""
        body = json_body(request)
        result = self.activities.put_activity_type(self._staff(identity), code, body)
        return (201 if result["created"] else 200), result["activity_type"]

    @route(
        "GET",
        "/v1/me/activities/<string:activity_id>/versions",
        roles=(STUDENT,),
        response=ActivityVersionView(many=True),
    )
    def my_activity_versions(self, request, identity, activity_id):
        """Every version of the activity as submitted, each with its decision."""
        return 200, self.activities.list_versions(self._student(identity), activity_id, page_query(request))

    @route("POST", "/v1/me/activities", roles=(STUDENT,), body=ActivityRequest, response=ActivityView)
    def log_activity(self, request, identity):
        body = json_body(request)
        return 201, self.activities.log_activity(self._student(identity), body)

    @route("GET", "/v1/me/activities", roles=(STUDENT,), response=ActivityView(many=True))
    def my_activities(self, request, identity):
        return 200, self.activities.list_activities(self._student(identity), page_query(request))

    @route("GET", "/v1/me/activities/<string:activity_id>", roles=(STUDENT,), response=ActivityView)
    def my_activity(self, request, identity, activity_id):
        return 200, self.activities.get_activity(self._student(identity), activity_id)

    @route(
        "PUT", "/v1/me/activities/<string:activity_id>", roles=(STUDENT,), body=ActivityRequest, response=ActivityView
    )
    def resubmit_activity(self, request, identity, activity_id):
        body = json_body(request)
        return 200, self.activities.resubmit(self._student(identity), activity_id, body)

    @route("DELETE", "/v1/me/activities/<string:activity_id>", roles=(STUDENT,), response=ActivityView)
    def withdraw_activity(self, request, identity, activity_id):
        return 200, self.activities.withdraw(self._student(identity), activity_id)

    @route(
        "POST",
        "/v1/me/activities/<string:activity_id>/sessions",
        roles=(STUDENT,),
        body=SessionRequest,
        response=ActivityView,
    )
    def add_session(self, request, identity, activity_id):
        body = json_body(request)
        return 201, self.activities.add_session(self._student(identity), activity_id, body)
