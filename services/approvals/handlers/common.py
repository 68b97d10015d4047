"""What several of approvals' use cases share: the audit line, the directory's view of a caller."""

from __future__ import annotations

from datetime import date

from services.approvals.domain import audit
from services.approvals.domain.coordinators import as_in_directory
from shared.db import utcnow
from shared.permissions import Actor


def today() -> date:
    return utcnow().date()


def note(uow, student_id: str, action: str, **values):
    """Append a line to the student's audit trail (`values`: at, actor, item_kind, ...)."""
    uow.repo.add(audit.audit(student_id, action, **values))


def in_directory(uow, actor: Actor) -> Actor:
    """The caller with the programmes approvals' own directory says they cover today."""
    return as_in_directory(actor, uow.repo.coordinators(), today())
