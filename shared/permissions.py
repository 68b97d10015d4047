"""Who may do what: the roles, the acting person, and the checks every service shares.

Plain Python (domains import it). The gateway checks the role a route needs; the owning service
checks the object. One answer for an object that is not the caller's: 404 (NotFound), so a
caller cannot learn that someone else's object exists. Checks are named `may_*` (a yes/no) and
`ensure_may_*` (raises).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.errors import Forbidden, NotFound

STUDENT = "student"
COORDINATOR = "coordinator"
ADMIN = "admin"
REGISTRAR = "registrar"
# A campus system (learning platform, mobility office, ...) sending events; its token's subject
# names the system (`lms`, `mobility`, `events`, `records`).
CAMPUS_SYSTEM = "campus-system"
ROLES = (STUDENT, COORDINATOR, ADMIN, REGISTRAR, CAMPUS_SYSTEM)
STAFF = (COORDINATOR, ADMIN, REGISTRAR)


@dataclass(frozen=True)
class Actor:
    """The acting person as the gateway established them.

    `student_id` is set when a student acts (the gateway looked it up); `programmes` are a
    coordinator's programmes from the approvals directory (never from the token).
    """

    issuer: str
    subject: str
    role: str
    student_id: str | None = None
    programmes: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def from_dict(cls, data: dict) -> "Actor":
        return cls(
            issuer=data["issuer"],
            subject=data["subject"],
            role=data["role"],
            student_id=data.get("student_id"),
            programmes=tuple(data.get("programmes") or ()),
        )

    def to_dict(self) -> dict:
        return {
            "issuer": self.issuer,
            "subject": self.subject,
            "role": self.role,
            "student_id": self.student_id,
            "programmes": list(self.programmes),
        }

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN


def may_have_role(actor: Actor, *roles: str) -> bool:
    return actor.role in roles


def ensure_may_have_role(actor: Actor, *roles: str, doing: str = "do this"):
    """The role rule (the gateway checks it too; the owner checks again, never trusting a caller)."""
    if actor.role not in roles:
        raise Forbidden(f"the {actor.role} role may not {doing}")


def may_act_as_student(actor: Actor, student_id: str | None) -> bool:
    """A student acts on their own records only."""
    return actor.role == STUDENT and actor.student_id is not None and actor.student_id == student_id


def ensure_may_act_as_student(actor: Actor, student_id: str | None, what: str = "object"):
    if not may_act_as_student(actor, student_id):
        raise NotFound(f"no such {what}")


def may_coordinate(actor: Actor, programme: str | None) -> bool:
    """A coordinator of this programme, or an admin (who may act for any programme)."""
    if actor.role == ADMIN:
        return True
    return actor.role == COORDINATOR and programme is not None and programme in actor.programmes


def ensure_may_coordinate(actor: Actor, programme: str | None, what: str = "object"):
    """Not a coordinator of the object's programme: the object is not theirs to know (404)."""
    if actor.role not in (COORDINATOR, ADMIN):
        raise Forbidden(f"the {actor.role} role may not do this")
    if not may_coordinate(actor, programme):
        raise NotFound(f"no such {what}")


def may_read_student(actor: Actor, student_id: str, programme: str | None) -> bool:
    """The student themselves, a coordinator of their programme, an admin or a registrar."""
    return may_act_as_student(actor, student_id) or may_coordinate(actor, programme) or actor.role == REGISTRAR


def ensure_may_read_student(actor: Actor, student_id: str, programme: str | None, what: str = "student"):
    if not may_read_student(actor, student_id, programme):
        raise NotFound(f"no such {what}")
