"""Where each kind of message leads: a page of the student/staff web front-end.

The paths are the front-end's contract with the messages (docs/notifications.md lists them):
they mirror the gateway's `/v1` resources the page shows, without the `/v1`. A kind without a
path has no message: every kind says where its reader acts next.
"""

from __future__ import annotations

from urllib.parse import quote

from services.notifications.domain import kinds

ACTIVITY = "/me/activities/{activity_id}"
BOOKING = "/me/booking"
CEREMONIES = "/ceremonies"  # the upcoming ceremonies, to book one
CERTIFICATE = "/me/certificate"
PROGRESS = "/me/progress"
INBOX = "/coordinator/inbox"  # a coordinator's: what waits for their decision, oldest first

PATHS = {
    kinds.WELCOME: "/me/activities",
    kinds.ACTIVITY_APPROVED: ACTIVITY,
    kinds.ACTIVITY_REJECTED: ACTIVITY,
    kinds.ACTIVITY_CHANGES_REQUESTED: ACTIVITY,
    kinds.APPROVAL_WITHDRAWN: ACTIVITY,
    kinds.ACTIVITY_REQUIREMENT_MET: PROGRESS,
    kinds.REPORT_ACCEPTED: "/me/report",
    kinds.REPORT_RETURNED: "/me/report",
    kinds.CEREMONY_BOOKED: BOOKING,
    kinds.BOOKING_WAITLISTED: BOOKING,
    kinds.BOOKING_PROMOTED: BOOKING,
    kinds.CEREMONY_CHANGED: BOOKING,
    kinds.BOOKING_CANCELLED: CEREMONIES,  # the booking is gone: book another
    kinds.CEREMONY_CANCELLED: CEREMONIES,
    kinds.PRESENTATION_MISSED: CEREMONIES,
    kinds.CERTIFICATE_ISSUED: CERTIFICATE,
    kinds.CERTIFICATE_REISSUED: CERTIFICATE,
    kinds.CERTIFICATE_REVOKED: CERTIFICATE,  # the student's page shows it revoked, and why
    kinds.LEFT_THE_CIM: "/me/export",  # everything the CIM holds about them, to download
    kinds.COORDINATOR_DIGEST: INBOX,
    kinds.REVIEW_REMINDER: INBOX,  # filtered to the student when every item listed is one student's
    kinds.GRADUATION_REMINDER: PROGRESS,  # what is still missing
}


def link(template: str, data: dict, web_url: str) -> str | None:
    """The address a message of this template leads to, or None for a template with no path.

    Ids from the event are quoted as one path segment (or query value) each. A review reminder
    about one student's items leads to the inbox filtered to them (the inbox's `student` filter,
    as in GET /v1/coordinator/inbox?student=...); a digest to the whole inbox.
    """
    path = PATHS.get(template)
    if path is None:
        return None
    values = {"activity_id": quote(str(data.get("activity_id", "")), safe="")}
    address = web_url.rstrip("/") + path.format(**values)
    if template == kinds.REVIEW_REMINDER and data.get("student_id"):
        address += "?student=" + quote(str(data["student_id"]), safe="")
    return address
