"""The rules of activity claims, in plain Python: no broker, no database."""

from dataclasses import replace
from datetime import date, datetime, timezone

import pytest

from services.activities.domain import activities, catalogue, details
from services.activities.domain.activities import acting_student, log, own_activity
from services.activities.domain.catalogue import ActivityType, seed_activity_types
from services.activities.domain.details import Details
from shared.errors import Conflict, Forbidden, Invalid, NotFound
from tests.builders import a_coordinator, a_student_actor

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
LATER = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)


def catalogue() -> dict[str, ActivityType]:
    # Built per use: the classes get mapped when a service test imports the ORM.
    return {t.code: t for t in seed_activity_types()}


ABROAD = Details(
    type_code="exchange_semester",
    title="Exchange in Leiden",
    description="A semester of courses",
    location_kind="abroad",
    location_country="NL",
    start_date=date(2025, 9, 1),
    end_date=date(2026, 1, 31),
    evidence_urls=("https://example.org/transcript",),
)
CAFE_DETAILS = Details(
    type_code="language_cafe",
    title="Spanish café",
    description="Weekly café at the library",
    location_kind="sweden",
    location_country=None,
    start_date=date(2025, 9, 1),
    end_date=date(2025, 12, 20),
)


def exchange():
    return catalogue()["exchange_semester"]


def cafe():
    return catalogue()["language_cafe"]


def logged(details=ABROAD, activity_type=None, student_id="stu-1"):
    activity_type = activity_type or catalogue()[details.type_code]
    return log(student_id=student_id, details=details, activity_type=activity_type, now=NOW)


def decide(activity, decision, version=None, comment="please add evidence"):
    return activity.record_decision(
        decision=decision,
        version=version or activity.version,
        comment=comment,
        decided_by="coord-1",
        decided_at=LATER,
        now=LATER,
    )


def test_the_catalogue_has_the_eight_types_of_the_programme_page():
    types = catalogue()
    assert set(types) == {
        "exchange_semester",
        "summer_course",
        "degree_project_abroad",
        "conference",
        "buddy_mentor",
        "language_cafe",
        "journal_club",
        "international_lectures",
    }
    repeated = {code for code, t in types.items() if t.repeated_attendance}
    assert repeated == {"buddy_mentor", "language_cafe", "international_lectures"}
    assert all(t.sessions_required == (3 if t.repeated_attendance else 1) for t in types.values())
    assert all(t.supplement_en and t.supplement_sv for t in types.values())


def test_a_logged_activity_is_submitted_as_version_one_with_that_version_kept():
    activity = logged()
    assert (activity.status, activity.version, activity.student_id) == ("submitted", 1, "stu-1")
    assert [v.version for v in activity.versions] == [1]
    assert activity.versions[0].title == "Exchange in Leiden"
    assert activity.evidence_urls == ["https://example.org/transcript"]


def test_an_unknown_type_is_refused():
    with pytest.raises(Invalid, match="unknown activity type"):
        log(student_id="stu-1", details=replace(ABROAD, type_code="bungee_jumping"), activity_type=None, now=NOW)


def test_an_end_date_before_the_start_date_is_refused():
    with pytest.raises(Invalid, match="end_date"):
        logged(details=replace(ABROAD, end_date=date(2025, 8, 31)))


def test_a_one_day_activity_is_accepted():
    activity = logged(details=replace(ABROAD, end_date=ABROAD.start_date))
    assert activity.start_date == activity.end_date


@pytest.mark.parametrize("country", [None, "SE", "se", "SWE", "NL"])
def test_sweden_means_country_se_or_none(country):
    details = replace(ABROAD, location_kind="sweden", location_country=country)
    if country in (None, "SE"):
        assert logged(details=details).location_country == "SE"
    else:
        with pytest.raises(Invalid, match="location"):
            logged(details=details)


@pytest.mark.parametrize("country", [None, "", "SE", "nl", "NLD", "N1"])
def test_abroad_needs_a_two_letter_country_that_is_not_sweden(country):
    with pytest.raises(Invalid, match="location"):
        logged(details=replace(ABROAD, location_country=country))


def test_a_digital_activity_may_name_the_organisers_country_or_none():
    assert logged(details=replace(ABROAD, location_kind="digital", location_country=None))
    assert logged(details=replace(ABROAD, location_kind="digital", location_country="US"))
    with pytest.raises(Invalid, match="location"):
        logged(details=replace(ABROAD, location_kind="digital", location_country="usa"))


def test_an_unknown_location_kind_is_refused():
    with pytest.raises(Invalid, match="location"):
        logged(details=replace(ABROAD, location_kind="moon"))


def test_a_blank_title_is_refused():
    with pytest.raises(Invalid, match="title"):
        logged(details=replace(ABROAD, title="   "))


def test_only_a_student_with_a_student_id_acts_on_activities():
    assert acting_student(a_student_actor("stu-1")) == "stu-1"
    with pytest.raises(Forbidden):
        acting_student(a_coordinator(student_id="stu-1"))
    with pytest.raises(NotFound):  # not registered: 404, as certificates and ceremony answer
        acting_student(a_student_actor(None))


def test_someone_elses_activity_is_not_found_exactly_like_a_missing_one():
    activity = logged(student_id="stu-1")
    assert own_activity(activity, a_student_actor("stu-1")) is activity
    with pytest.raises(NotFound) as other:
        own_activity(activity, a_student_actor("stu-2"))
    with pytest.raises(NotFound) as missing:
        own_activity(None, a_student_actor("stu-2"))
    assert str(other.value) == str(missing.value)


@pytest.mark.parametrize("decision", ["submitted", "approved", "rejected"])
def test_resubmitting_is_a_conflict_unless_changes_were_requested(decision):
    activity = logged()
    if decision != "submitted":
        decide(activity, decision)
    with pytest.raises(Conflict):
        activity.resubmit(replace(ABROAD, title="Exchange in Leiden, corrected"), exchange(), LATER)


def test_resubmitting_creates_the_next_version_and_keeps_the_old_one():
    activity = logged()
    decide(activity, "changes_requested")
    activity.resubmit(replace(ABROAD, title="Exchange in Leiden, with transcript"), exchange(), LATER)
    assert (activity.status, activity.version, activity.submitted_at) == ("submitted", 2, LATER)
    assert [(v.version, v.title) for v in activity.versions] == [
        (1, "Exchange in Leiden"),
        (2, "Exchange in Leiden, with transcript"),
    ]
    assert activity.latest_decision.decision == "changes_requested"
    assert activity.latest_decision.version == 1


def test_a_resubmission_obeys_the_same_rules_as_a_log():
    activity = logged()
    decide(activity, "changes_requested")
    with pytest.raises(Invalid, match="location"):
        activity.resubmit(replace(ABROAD, location_country="SE"), exchange(), LATER)
    assert activity.version == 1


@pytest.mark.parametrize("decision", ["changes_requested", None])
def test_withdrawing_before_a_decision_is_allowed(decision):
    activity = logged()
    if decision:
        decide(activity, decision)
    activity.withdraw()
    assert activity.status == "withdrawn"


@pytest.mark.parametrize("decision", ["approved", "rejected"])
def test_withdrawing_after_a_decision_is_a_conflict(decision):
    activity = logged()
    decide(activity, decision)
    with pytest.raises(Conflict):
        activity.withdraw()


def test_withdrawing_twice_is_a_conflict():
    activity = logged()
    activity.withdraw()
    with pytest.raises(Conflict):
        activity.withdraw()


def test_sessions_belong_only_to_repeated_attendance_types():
    activity = logged()
    with pytest.raises(Invalid, match="repeated-attendance"):
        activity.add_session(session_date=date(2025, 10, 1), title="Week 1", activity_type=exchange(), now=LATER)
    assert activity.sessions == [] and activity.version == 1


def test_a_session_needs_a_title():
    activity = logged(details=CAFE_DETAILS)
    with pytest.raises(Invalid, match="title"):
        activity.add_session(session_date=date(2025, 10, 1), title=" ", activity_type=cafe(), now=LATER)


def test_adding_a_session_is_a_new_version_and_goes_back_to_the_coordinator():
    activity = logged(details=CAFE_DETAILS)
    decide(activity, "approved")
    session = activity.add_session(session_date=date(2025, 10, 1), title="Café 1", activity_type=cafe(), now=LATER)
    assert (activity.status, activity.version) == ("submitted", 2)
    assert activity.sessions == [session]
    assert activity.versions[-1].sessions == [
        {"session_id": session.session_id, "date": "2025-10-01", "title": "Café 1"}
    ]
    assert activity.versions[0].sessions == []


def test_the_same_session_twice_is_a_conflict():
    activity = logged(details=CAFE_DETAILS)
    activity.add_session(session_date=date(2025, 10, 1), title="Café 1", activity_type=cafe(), now=LATER)
    with pytest.raises(Conflict):
        activity.add_session(session_date=date(2025, 10, 1), title="Café 1", activity_type=cafe(), now=LATER)


def test_no_session_can_be_added_to_a_withdrawn_activity():
    activity = logged(details=CAFE_DETAILS)
    activity.withdraw()
    with pytest.raises(Conflict):
        activity.add_session(session_date=date(2025, 10, 1), title="Café 1", activity_type=cafe(), now=LATER)


def test_a_resubmission_cannot_drop_sessions_by_changing_to_a_single_type():
    activity = logged(details=CAFE_DETAILS)
    activity.add_session(session_date=date(2025, 10, 1), title="Café 1", activity_type=cafe(), now=LATER)
    decide(activity, "changes_requested")
    with pytest.raises(Invalid, match="type"):
        activity.resubmit(ABROAD, exchange(), LATER)


@pytest.mark.parametrize("decision", ["approved", "rejected", "changes_requested"])
def test_a_decision_on_the_current_version_sets_status_and_latest_decision(decision):
    activity = logged()
    assert decide(activity, decision, comment="fine") is True
    assert activity.status == decision
    latest = activity.latest_decision
    assert (latest.decision, latest.comment, latest.version, latest.decided_at) == (decision, "fine", 1, LATER)


def test_a_decision_on_an_outdated_version_changes_nothing():
    activity = logged()
    decide(activity, "changes_requested")
    activity.resubmit(replace(ABROAD, title="Corrected"), exchange(), LATER)
    assert decide(activity, "rejected", version=1) is False
    assert activity.status == "submitted"
    assert [d.decision for d in activity.decisions] == ["changes_requested"]


def test_a_decision_after_a_withdrawal_changes_nothing():
    activity = logged()
    activity.withdraw()
    assert decide(activity, "approved") is False
    assert activity.status == "withdrawn" and activity.latest_decision is None


def test_the_domain_imports_no_framework():
    import ast
    import inspect

    imported = set()
    for module in (activities, catalogue, details):
        tree = ast.parse(inspect.getsource(module))
        imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    own = {f"services.activities.domain.{name}" for name in ("activities", "catalogue", "details")}
    assert imported - own <= {
        "__future__",
        "re",
        "uuid",
        "dataclasses",
        "datetime",
        "typing",
        "shared.errors",
        "shared.permissions",
    }
