"""The use cases that keep what the scheduled messages need, from other services' events: the
items waiting for a decision, the coordinator directory, where each student stands.

Each takes the event's data; the consumer records the event as handled in the same transaction,
so a duplicate changes nothing, and each copy keeps the newest state when events come out of order.
"""

from __future__ import annotations

from services.notifications import handlers
from services.notifications.domain import waiting
from services.notifications.domain.directory import entry_from_event
from services.notifications.domain.waiting import ACTIVITY, FOR_GOOD, REPORT


def record_coordinator(uow, data: dict) -> None:
    """coordinator.updated.v1: keep the newest entry of the directory."""
    newer = entry_from_event(data)
    found = uow.repo.directory_entry(newer.subject, lock=True)
    if found is None:
        uow.repo.add(newer)
    else:
        found.replace_with(newer)


def _submitted(uow, *, item_id: str, kind: str, student_id: str, version: int, title: str | None, at) -> None:
    found = uow.repo.waiting_item(item_id, lock=True)
    if found is None:
        uow.repo.add(
            waiting.submitted_item(
                item_id=item_id, kind=kind, student_id=student_id, version=version, title=title, at=at
            )
        )
    else:
        found.submitted(version=version, title=title, at=at)


def _closed(uow, *, item_id: str, kind: str, student_id: str, version: int | None) -> None:
    found = uow.repo.waiting_item(item_id, lock=True)
    if found is None:
        uow.repo.add(waiting.closed_item(item_id=item_id, kind=kind, student_id=student_id, version=version or 1))
    else:
        found.closed(version)


def activity_submitted(uow, data: dict) -> None:
    """activity.submitted.v1 / activity.resubmitted.v1: this version waits for a decision."""
    _submitted(
        uow,
        item_id=data["activity_id"],
        kind=ACTIVITY,
        student_id=data["student_id"],
        version=data["version"],
        title=data["title"][:300],
        at=data["submitted_at"],
    )


def activity_withdrawn(uow, data: dict) -> None:
    """activity.withdrawn.v1: the student took it back; it waits no more, whatever comes late."""
    _closed(uow, item_id=data["activity_id"], kind=ACTIVITY, student_id=data["student_id"], version=FOR_GOOD)


def report_submitted(uow, data: dict) -> None:
    """report.submitted.v1: a final report waits (each submission has its own id)."""
    _submitted(
        uow,
        item_id=data["report_id"],
        kind=REPORT,
        student_id=data["student_id"],
        version=1,
        title=None,
        at=data["submitted_at"],
    )


# --- events that also tell the student something: the item closes, then the message is written --


def activity_decided(uow, data: dict, *, event_id: str, kind: str, composer) -> str:
    """activity.approved/rejected/changes_requested.v1: that version is decided."""
    _closed(uow, item_id=data["activity_id"], kind=ACTIVITY, student_id=data["student_id"], version=data["version"])
    return handlers.write_message(uow, data, event_id=event_id, kind=kind, composer=composer)


def approval_withdrawn(uow, data: dict, *, event_id: str, kind: str, composer) -> str:
    """activity.approval_withdrawn.v1: closes the activity's latest version; the requirement may no
    longer be met."""
    _closed(uow, item_id=data["activity_id"], kind=ACTIVITY, student_id=data["student_id"], version=data["version"])
    message_id = handlers.write_message(uow, data, event_id=event_id, kind=kind, composer=composer)
    uow.repo.recipient(data["student_id"]).requirement(data["activity_requirement_met"], data["withdrawn_at"])
    return message_id


def report_decided(uow, data: dict, *, event_id: str, kind: str, composer) -> str:
    """report.accepted.v1 / report.returned.v1: the submission is decided."""
    _closed(uow, item_id=data["report_id"], kind=REPORT, student_id=data["student_id"], version=1)
    return handlers.write_message(uow, data, event_id=event_id, kind=kind, composer=composer)


def requirement_met(uow, data: dict, *, event_id: str, kind: str, composer) -> str:
    """student.activity_requirement_met.v1: no graduation reminder is due any more."""
    message_id = handlers.write_message(uow, data, event_id=event_id, kind=kind, composer=composer)
    uow.repo.recipient(data["student_id"]).requirement(True, data["met_at"])
    return message_id


def student_withdrawn(uow, data: dict, *, event_id: str, kind: str, composer) -> str:
    """student.withdrawn.v1: their undecided items are withdrawn, and nothing more is scheduled."""
    message_id = handlers.write_message(uow, data, event_id=event_id, kind=kind, composer=composer)
    uow.repo.recipient(data["student_id"]).withdrew(data["withdrawn_at"])
    for item in uow.repo.items_waiting_of(data["student_id"]):
        item.closed()
    return message_id
