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


def release_bookings(uow, data: dict):
    """student.withdrawn.v1: the student's place at a ceremony still to come is freed; a booking
    of a ceremony that took place stays (a presentation may rest on it)."""
    booking = uow.repo.upcoming_booking(data["student_id"], utcnow())
    if booking is not None:
        uow.repo.remove(booking)
        log.info("released booking %s of student %s (withdrawn)", booking.booking_id,
                 booking.student_id)
