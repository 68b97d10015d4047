"""The event catalogue and the API document move with the code (`cim docs` writes them)."""

from cim import docs
from shared.settings import REPO_ROOT


def test_the_event_catalogue_page_matches_the_code():
    assert (REPO_ROOT / "docs" / "events.md").read_text() == docs.events_markdown(), (
        "docs/events.md is stale: run `.venv/bin/cim docs`"
    )


def test_the_api_page_matches_the_gateway_routes():
    assert (REPO_ROOT / "docs" / "api.md").read_text() == docs.api_markdown(), (
        "docs/api.md is stale: run `.venv/bin/cim docs`"
    )


def test_every_route_of_the_api_contract_is_implemented():
    """The routes of ../shared/API.md (copied here: the contract is not part of the repo)."""
    implemented = docs.api_markdown()
    routes = [
        "POST | `/v1/registrations`",
        "GET | `/v1/me`",
        "POST | `/v1/me/activities`",
        "POST | `/v1/me/activities/{activity_id}/sessions`",
        "PUT | `/v1/me/activities/{activity_id}`",
        "DELETE | `/v1/me/activities/{activity_id}`",
        "GET | `/v1/me/activities`",
        "GET | `/v1/me/progress`",
        "POST | `/v1/me/report`",
        "GET | `/v1/activity-types`",
        "GET | `/v1/programmes`",
        "GET | `/v1/ceremonies`",
        "POST | `/v1/ceremonies/{ceremony_id}/bookings`",
        "GET | `/v1/me/certificate`",
        "GET | `/v1/me/certificate.pdf`",
        "GET | `/v1/coordinator/inbox`",
        "POST | `/v1/activities/{activity_id}/decision`",
        "POST | `/v1/students/{student_id}/report/decision`",
        "POST | `/v1/ceremonies`",
        "POST | `/v1/ceremonies/{ceremony_id}/presentations`",
        "GET | `/v1/students/{student_id}/diploma-supplement`",
        "POST | `/v1/certificates/{code}/revocation`",
        "PUT | `/v1/coordinators/{subject}`",
        "GET | `/verify/{code}`",
        "GET | `/v1/verify/{code}`",
    ]
    missing = [r for r in routes if r not in implemented]
    assert not missing, missing
