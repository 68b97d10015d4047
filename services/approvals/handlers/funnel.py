"""Keeping the funnel's summary: a use case that changes where a student stands (registered,
moved, withdrawn, erased, a stage reached or lost) counts the student again: their journey as
last counted out, as it is now in. Per student, bounded: the funnel then reads the summary."""

from __future__ import annotations

from services.approvals.domain import funnel as funnels


def count_again(uow, student_id: str):
    """Bring the student's part of the summary up to date (nothing when it already is)."""
    counted = uow.repo.counted_journey(student_id)  # locked first: one counting at a time
    journey = uow.repo.journey(student_id)
    if journey != counted:
        uow.repo.count_journey(student_id, journey, funnels.change(counted, journey))


def count_everyone_again(uow):
    """The summary rebuilt from every student (the backfill of data kept before it; reads all)."""
    uow.repo.forget_funnel()
    for student_id, journey in uow.repo.all_journeys():
        uow.repo.count_journey(student_id, journey, funnels.change(None, journey))
