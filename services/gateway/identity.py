"""Who is calling, as a checked token says: the person, and the actor an RPC carries for them."""

from __future__ import annotations

from dataclasses import dataclass

from shared.permissions import Actor


@dataclass(frozen=True)
class Identity:
    """A person, keyed by (issuer, subject), with the role their token grants."""

    issuer: str
    subject: str
    role: str
    name: str | None = None
    email: str | None = None

    def acting(self, *, student_id: str | None = None, programmes=()) -> Actor:
        """This person as the owning services know them (shared.rpc.common.ActorSchema):
        `student_id` and `programmes` are looked up by the gateway, never taken from the token."""
        return Actor(
            issuer=self.issuer,
            subject=self.subject,
            role=self.role,
            student_id=student_id,
            programmes=tuple(programmes or ()),
        )
