"""Activities reported by campus systems: an exchange from the mobility office, attendance from
the events office. Marked as verified by the system that reported them, and still decided by the
coordinator like anything a student logs (RULES.md, Campus events)."""

from __future__ import annotations

from datetime import date, datetime

from services.activities.domain.activities import REJECTED, WITHDRAWN, Activity, log
from services.activities.domain.catalogue import ActivityType
from services.activities.domain.details import ABROAD, Details

# An activity that takes no more sessions: a new one is started for the next attendance.
CLOSED = (WITHDRAWN, REJECTED)


def reported_exchange(
    *,
    student_id: str,
    activity_type: ActivityType | None,
    mobility_id: str,
    host_institution: str,
    country: str,
    start_date: date,
    end_date: date,
    verified_by: str,
    now: datetime,
) -> Activity:
    """The mobility office's completed exchange, as a claim waiting for the coordinator."""
    name = activity_type.name_en if activity_type else "Exchange"
    details = Details(
        type_code=activity_type.code if activity_type else "",
        title=f"{name}: {host_institution}",
        description=(
            f"{name} at {host_institution} ({country}), {start_date.isoformat()} to "
            f"{end_date.isoformat()}; reported by the mobility office."
        ),
        location_kind=ABROAD,
        location_country=country,
        start_date=start_date,
        end_date=end_date,
    )
    activity = log(student_id=student_id, details=details, activity_type=activity_type, now=now)
    activity.verified_by, activity.external_ref = verified_by, mobility_id
    return activity


def attendance_activity(
    existing: list[Activity],
    activity_type: ActivityType | None,
    *,
    student_id: str,
    location_kind: str,
    session_date: date,
    verified_by: str,
    now: datetime,
) -> tuple[Activity, bool]:
    """The student's open activity of this type, or a new one (True when it is new)."""
    for activity in reversed(existing):
        if activity.type_code == (activity_type.code if activity_type else None) and activity.status not in CLOSED:
            return activity, False
    name = activity_type.name_en if activity_type else "Attendance"
    details = Details(
        type_code=activity_type.code if activity_type else "",
        title=name,
        description=f"{name}: attendance recorded by the events office.",
        location_kind=location_kind,
        location_country=None,
        start_date=session_date,
        end_date=session_date,
    )
    activity = log(student_id=student_id, details=details, activity_type=activity_type, now=now)
    activity.verified_by = verified_by
    return activity, True
