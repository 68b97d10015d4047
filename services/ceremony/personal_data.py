"""What ceremony holds about a student (bookings, final reports, presentation), and what leaving
the CIM does to their booking."""

import logging

from services.ceremony import orm
from shared.db import utcnow
from shared.personal_records import KEEP, Holding, by_student, published_mentioning

log = logging.getLogger(__name__)
OUTBOX = orm.metadata.tables["outbox"]

HOLDINGS = [
    Holding(OUTBOX, published_mentioning(OUTBOX), exported=False),
    Holding(orm.bookings, by_student(orm.bookings)),
    # The file has its own download (GET /v1/me/report.pdf): the export carries its metadata.
    Holding(orm.final_reports, by_student(orm.final_reports), omit=("content",)),
    Holding(orm.requirements_met, by_student(orm.requirements_met), erase=KEEP),
    Holding(orm.requirement_lapses, by_student(orm.requirement_lapses)),
    Holding(orm.presentations, by_student(orm.presentations), erase=KEEP),
]


def withdraw_student(uow, data: dict):
    """student.withdrawn.v1: a final report still waiting for its decision is withdrawn (approvals
    withdraws its copy from the inboxes on the same event), and the student's place at a
    ceremony still to come is released."""
    report = uow.repo.latest_report(data["student_id"])
    if report is not None and report.withdraw():
        log.info("withdrew final report %s of student %s (withdrawn)", report.report_id, report.student_id)
    release_bookings(uow, data)


def release_bookings(uow, data: dict):
    """student.withdrawn.v1: the student's place (or place in line) at a ceremony still to come
    is freed and goes to the first in line; a booking of a ceremony that took place stays (a
    presentation may rest on it)."""
    from services.ceremony.domain import bookings
    from services.ceremony.handlers.bookings import fill_free_places

    booking = uow.repo.active_booking(data["student_id"], lock=True)
    ceremony = uow.repo.ceremony(booking.ceremony_id) if booking is not None else None
    now = utcnow()
    if booking is None or ceremony is None or not ceremony.is_upcoming(now):
        return
    booking.close(bookings.CANCELLED, now)
    log.info("released booking %s of student %s (withdrawn)", booking.booking_id, booking.student_id)
    fill_free_places(uow, ceremony)
