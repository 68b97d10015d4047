"""Who is registered for the CIM, as the edge keeps it: the identity a campus system names."""

from __future__ import annotations

from dataclasses import dataclass

REGISTERED = "registered"
WITHDRAWN = "withdrawn"


@dataclass(eq=False)
class Person:
    """`subject` is the person's `sub` at `issuer`: what campus systems send as `student_ref`."""

    student_id: str
    issuer: str
    subject: str
    status: str = REGISTERED
