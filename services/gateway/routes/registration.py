"""Routes answered by the registration service."""

from __future__ import annotations

from services.gateway.bodies import json_body
from services.gateway.paging import page_query
from services.gateway.routes import Routes
from services.gateway.routing import ANY_ROLE, route
from shared.permissions import ADMIN, REGISTRAR, STUDENT
from shared.rpc.registration import ProgrammeChangeRequest, ProgrammeView, RegistrationRequest, StudentView


class RegistrationRoutes(Routes):
    @route("POST", "/v1/registrations", roles=(STUDENT,), body=RegistrationRequest, response=StudentView)
    def register(self, request, identity):
        body = json_body(request)
        if identity.name and "name" not in body:
            body["name"] = identity.name
        if identity.email and "email" not in body:
            body["email"] = identity.email
        return 201, self.registration.register(self._person(identity), body)

    @route("GET", "/v1/me", roles=(STUDENT,), response=StudentView)
    def me(self, request, identity):
        return 200, self.registration.find_student(identity.issuer, identity.subject)

    @route("GET", "/v1/programmes", roles=ANY_ROLE, response=ProgrammeView(many=True))
    def programmes(self, request, identity):
        return 200, self.registration.list_programmes(page_query(request))

    @route(
        "PUT",
        "/v1/students/<string:student_id>/programme",
        roles=(ADMIN, REGISTRAR),
        body=ProgrammeChangeRequest,
        response=StudentView,
    )
    def change_programme(self, request, identity, student_id):
        """{programme}: the student moved; their undecided items go to the new coordinators."""
        body = json_body(request)
        return 200, self.registration.change_programme(self._person(identity), student_id, body)
