"""Routes answered by the notifications service: a person's preferences, the delivery log."""

from __future__ import annotations

from services.gateway.bodies import json_body
from services.gateway.paging import page_query
from services.gateway.routes import Routes
from services.gateway.routing import ANY_ROLE, route
from shared.permissions import ADMIN, STUDENT
from shared.rpc.notifications import MessageView, PreferencesRequest, PreferencesView


class NotificationsRoutes(Routes):
    def _me(self, identity) -> dict:
        """A student with their CIM id (their messages are keyed by it); anyone else as is."""
        return self._student(identity) if identity.role == STUDENT else self._person(identity)

    @route("GET", "/v1/me/preferences", roles=ANY_ROLE, response=PreferencesView)
    def my_preferences(self, request, identity):
        """The caller's language and, for a coordinator, the time of their daily digest."""
        return 200, self.notifications.get_preferences(self._me(identity))

    @route("PUT", "/v1/me/preferences", roles=ANY_ROLE, body=PreferencesRequest, response=PreferencesView)
    def set_my_preferences(self, request, identity):
        """Used from the next message on."""
        body = json_body(request)
        return 200, self.notifications.set_preferences(self._me(identity), body)

    @route("GET", "/v1/students/<string:student_id>/messages", roles=(ADMIN,), response=MessageView(many=True))
    def student_messages(self, request, identity, student_id):
        """The delivery log of the messages written to a student (operators)."""
        return 200, self.notifications.list_messages(self._person(identity), student_id, page_query(request))
