"""Approvals announces its coordinator directory: the entries already there once (migration 0005,
through the outbox), and each change an admin makes (coordinator.updated.v1)."""

from services.approvals.service import ApprovalsService
from shared.events import COORDINATOR_UPDATED
from tests.builders import an_admin
from tests.helpers import EventTap
from tests.service.conftest import call

SEED = ["c-biomed", "c-health-1", "c-health-2"]  # approvals' demo directory (its migration 0001)


def test_the_directory_there_is_announced_once_and_each_change_after(start_service, service_config):
    tap = EventTap(service_config["AMQP_URI"], [("approvals", "coordinator.#")])
    try:
        approvals = start_service(ApprovalsService)
        announced = tap.wait_for(COORDINATOR_UPDATED, count=len(SEED))
        assert sorted(e["data"]["subject"] for e in announced) == SEED
        on_leave = {e["data"]["subject"]: e["data"]["on_leave"] for e in announced}
        assert on_leave == {"c-biomed": False, "c-health-1": False, "c-health-2": True}

        change = {"programmes": ["MBIOM"], "email": "new@example.org"}
        call(approvals, "put_coordinator", an_admin().to_dict(), "c-new", change)
        *_, latest = tap.wait_for(COORDINATOR_UPDATED, count=len(SEED) + 1)
        assert (latest["data"]["subject"], latest["data"]["email"], latest["data"]["programmes"]) == (
            "c-new",
            "new@example.org",
            ["MBIOM"],
        )
        assert len([e for e in tap.seen if e["event_type"] == COORDINATOR_UPDATED]) == len(SEED) + 1
    finally:
        tap.close()
