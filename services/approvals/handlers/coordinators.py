"""The coordinator directory: who covers what today, read by the gateway; changed by an admin."""

from __future__ import annotations

import logging

from services.approvals.domain import coordinators
from services.approvals.handlers.common import today
from shared.db import utcnow
from shared.events import COORDINATOR_UPDATED
from shared.permissions import ADMIN, Actor, ensure_may_have_role
from shared import keyset
from shared.rpc.approvals import CoordinatorChange
from shared.rpc.paging import FIRST_PAGE, Page

log = logging.getLogger(__name__)


def coordinator_programmes(uow, *, subject: str) -> list[str]:
    """The programmes a person decides for today (the gateway's source of a coordinator's)."""
    return sorted(coordinators.programmes_covered(subject, uow.repo.coordinators(), today()))


def list_coordinators(uow, *, actor: Actor, page: Page = FIRST_PAGE) -> dict:
    """One page of the directory, by subject."""
    ensure_may_have_role(actor, ADMIN, doing="read the coordinator directory")
    position = keyset.decode_cursor(page.cursor, "coordinators", (str,)) if page.cursor else None
    rows = uow.repo.coordinators_page(position, page.limit)
    return keyset.page_of(rows, page.limit, "coordinators", lambda c: (c.subject,))


def put_coordinator(uow, *, actor: Actor, subject: str, request: CoordinatorChange) -> coordinators.Coordinator:
    """An admin enters or changes a coordinator of the directory (keyed by their token's `sub`).

    The whole entry is published (coordinator.updated.v1) in the same transaction: notifications
    keeps a copy to write each coordinator's digest and reminders."""
    ensure_may_have_role(actor, ADMIN, doing="change the coordinator directory")
    coordinators.check_leave(subject, request.leave, {c.subject for c in uow.repo.coordinators()})
    coordinator = uow.repo.coordinator(subject)
    if coordinator is None:
        coordinator = coordinators.Coordinator(subject=subject, name=None, email=None, programmes=[])
        uow.repo.add(coordinator)
    coordinator.update(programmes=request.programmes, name=request.name, email=request.email, leave=request.leave)
    uow.flush()
    uow.publish(COORDINATOR_UPDATED, directory_entry(coordinator))
    waiting = set(uow.repo.waiting_by_programme())
    for code in sorted(coordinators.uncovered_programmes(waiting, uow.repo.coordinators(), today())):
        log.error(
            "%s: programme %s has no available coordinator after the change to %s; its work waits",
            coordinators.ALERT_MARKER,
            code,
            subject,
        )
    return coordinator


def directory_entry(coordinator: coordinators.Coordinator) -> dict:
    """The data of COORDINATOR_UPDATED: the entry as it stands now."""
    return {
        "subject": coordinator.subject,
        "name": coordinator.name,
        "email": coordinator.email,
        "programmes": sorted(coordinator.programmes),
        "on_leave": coordinator.on_leave,
        "leave_from": coordinator.leave_from,
        "leave_to": coordinator.leave_to,
        "substitute": coordinator.substitute,
        "updated_at": utcnow(),
    }
