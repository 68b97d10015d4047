"""The gateway's routes, one module per owning service (mixins of GatewayService), and their base."""

from __future__ import annotations

from services.gateway.identity import Identity
from shared.permissions import COORDINATOR


class Routes:
    """Base of the route groups: who is acting, as the owning services need to know."""

    def _person(self, identity: Identity) -> dict:
        """The caller as every service's RPC receives them, nothing looked up."""
        return identity.acting().to_dict()

    def _student(self, identity: Identity) -> dict:
        """The caller as a registered student (404 when they are not registered); the student id
        from the process's short-lived memory (students.py) or else from registration."""
        student_id = self.students.student_id(identity.issuer, identity.subject, self.registration.find_student)
        return identity.acting(student_id=student_id).to_dict()

    def _staff(self, identity: Identity) -> dict:
        """The caller as staff; a coordinator with their programmes from the approvals directory."""
        programmes = []
        if identity.role == COORDINATOR:
            programmes = self.approvals.coordinator_programmes(identity.subject)
        return identity.acting(programmes=programmes).to_dict()
