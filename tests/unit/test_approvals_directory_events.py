"""Approvals tells the platform about each change of its coordinator directory (coordinator.updated.v1)."""

from datetime import date

import pytest

from services.approvals.domain.coordinators import Coordinator
from services.approvals.handlers import coordinators
from shared.errors import Forbidden
from shared.events import COORDINATOR_UPDATED
from shared.rpc.approvals import CoordinatorChange, Leave
from tests.builders import a_coordinator, an_admin
from tests.fakes import FakeUnitOfWork
from tests.unit.fakes.approvals import FakeApprovalsRepository


@pytest.fixture
def uow():
    return FakeUnitOfWork(FakeApprovalsRepository([Coordinator("c-pub", "Public", None, ["MPUBH"])]), "approvals")


def test_a_new_coordinator_is_published_with_the_whole_entry(uow):
    with uow:
        coordinators.put_coordinator(
            uow,
            actor=an_admin(),
            subject="c-new",
            request=CoordinatorChange(programmes=["MPUBH", "MMEDS", "MPUBH"], name="New", email="new@example.org"),
        )
    [event] = uow.published
    assert event["event_type"] == COORDINATOR_UPDATED
    data = event["data"]
    assert (data["subject"], data["name"], data["email"]) == ("c-new", "New", "new@example.org")
    assert data["programmes"] == ["MMEDS", "MPUBH"]
    assert data["on_leave"] is False and data["leave_from"] is None and data["substitute"] is None
    assert data["updated_at"]


def test_a_leave_is_published_with_its_period_and_substitute(uow):
    leave = Leave(leave_from=date(2027, 1, 1), leave_to=date(2027, 6, 30), substitute="c-pub")
    with uow:
        coordinators.put_coordinator(
            uow, actor=an_admin(), subject="c-away", request=CoordinatorChange(programmes=["MPUBH"], leave=leave)
        )
    [event] = uow.published
    data = event["data"]
    assert (data["on_leave"], data["leave_from"], data["leave_to"], data["substitute"]) == (
        True,
        "2027-01-01",
        "2027-06-30",
        "c-pub",
    )


def test_a_refused_change_publishes_nothing(uow):
    with pytest.raises(Forbidden), uow:
        coordinators.put_coordinator(
            uow, actor=a_coordinator(), subject="c-x", request=CoordinatorChange(programmes=["MPUBH"])
        )
    assert uow.published == []
