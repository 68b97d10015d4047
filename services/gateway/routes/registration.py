"""Routes answered by the registration service."""
from __future__ import annotations

from services.gateway.domain import actor, STUDENT
from services.gateway.http import ANY_ROLE, json_body, route, Routes


class RegistrationRoutes(Routes):
    @route("POST", "/v1/registrations", roles=(STUDENT,))
    def register(self, request, identity):
        body = json_body(request)
        if identity.name and "name" not in body:
            body["name"] = identity.name
        if identity.email and "email" not in body:
            body["email"] = identity.email
        return 201, self.registration.register(actor(identity), body)

    @route("GET", "/v1/me", roles=(STUDENT,))
    def me(self, request, identity):
        return 200, self.registration.find_student(identity.issuer, identity.subject)

    @route("GET", "/v1/programmes", roles=ANY_ROLE)
    def programmes(self, request, identity):
        return 200, self.registration.list_programmes()
