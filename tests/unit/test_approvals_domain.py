"""Approvals' rules from RULES.md, as a table of cases: plain Python, no broker, no database."""
import ast
import itertools
import sys
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from services.approvals import domain
from services.approvals.domain import (
    APPROVED, CHANGES_REQUESTED, PENDING, REJECTED, WITHDRAWN, Activity, Coordinator, Presentation,
    Report, Student)
from shared.errors import Conflict, Forbidden, Invalid

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=timezone.utc)
TODAY = NOW.date()

TYPES = {
    "exchange_semester": 1, "summer_course": 1, "degree_project_abroad": 1, "conference": 1,
    "buddy_mentor": 3, "language_cafe": 3, "journal_club": 1, "international_lectures": 3,
}


_ids = itertools.count(1)


def activity(where, type_code="conference", status=APPROVED, sessions=0, title=None):
    n = next(_ids)
    return Activity(
        activity_id=f"a-{n}", student_id="s-1", version=1,
        activity_type={"code": type_code, "name_en": type_code.replace("_", " "),
                       "name_sv": type_code, "sessions_required": TYPES[type_code],
                       "supplement_en": "", "supplement_sv": ""},
        title=title or f"{type_code} {n}", description="", location={"kind": where, "country": None},
        start_date=date(2026, 1, n % 28 + 1), end_date=date(2026, 1, n % 28 + 1),
        sessions=[{"session_id": f"x{i}", "date": "2026-01-01", "title": "t"} for i in range(sessions)],
        submitted_at=NOW, status=status)


def student(graduation="2027-06"):
    return Student(student_id="s-1", name="Karin Boye", email="k@example.org", language="sv",
                   programme_code="MBIOM", programme_name_en="Master's programme in Biomedicine",
                   programme_name_sv="Masterprogram i biomedicin", expected_graduation=graduation)


def sweden(**kw):
    return activity("sweden", **kw)


def abroad(**kw):
    return activity("abroad", **kw)


def digital(**kw):
    return activity("digital", **kw)


# (case, graduation, activities, requirement met?, English "missing" sentences). The activities
# are made when a case runs, not at import: the service tests map the classes onto tables.
REQUIREMENT_CASES = [
    ("nothing yet", "2027-06", lambda: [], False,
     ["one more activity in Sweden", "one more activity abroad", "one more activity of any kind"]),
    ("three approved: Sweden, abroad, one more", "2027-06",
     lambda: [sweden(), abroad(), sweden()], True, []),
    ("two are not enough", "2027-06",
     lambda: [sweden(), abroad()], False, ["one more activity of any kind"]),
    ("three in Sweden lack the abroad one", "2027-06",
     lambda: [sweden(), sweden(), sweden()], False, ["one more activity abroad"]),
    ("three abroad lack the Swedish one", "2027-06",
     lambda: [abroad(), abroad(), abroad()], False, ["one more activity in Sweden"]),
    ("a digital activity counts towards the three", "2027-06",
     lambda: [sweden(), abroad(), digital()], True, []),
    ("a digital activity is not abroad under the standard rules", "2027-06",
     lambda: [sweden(), digital(), digital()], False, ["one more activity abroad"]),
    ("the 2022 cohort may replace the abroad one with a digital one", "2022-06",
     lambda: [sweden(), digital(), sweden()], True, []),
    ("the 2022 substitution does not replace the Swedish one", "2022-01",
     lambda: [digital(), digital(), abroad()], False, ["one more activity in Sweden"]),
    ("the 2022 rules still ask for three", "2022-06",
     lambda: [sweden(), digital()], False, ["one more activity of any kind"]),
    ("a pending activity does not count", "2027-06",
     lambda: [sweden(), abroad(), sweden(status=PENDING)], False,
     ["one more activity of any kind"]),
    ("a rejected activity does not count", "2027-06",
     lambda: [sweden(), abroad(status=REJECTED), sweden()], False, ["one more activity abroad"]),
    ("a withdrawn activity does not count", "2027-06",
     lambda: [sweden(), abroad(), sweden(status=WITHDRAWN)], False,
     ["one more activity of any kind"]),
    ("changes requested do not count", "2027-06",
     lambda: [sweden(), abroad(), sweden(status=CHANGES_REQUESTED)], False,
     ["one more activity of any kind"]),
    ("a language café with three sessions counts", "2027-06",
     lambda: [sweden(type_code="language_cafe", sessions=3), abroad(), digital()], True, []),
    ("a language café with two sessions does not count yet", "2027-06",
     lambda: [sweden(type_code="language_cafe", sessions=2, title="Fika"), abroad(), digital()],
     False, ["one more activity in Sweden", "one more session of “Fika” (language cafe)"]),
    ("a buddy mentor with many sessions counts once", "2027-06",
     lambda: [sweden(type_code="buddy_mentor", sessions=9), abroad()], False,
     ["one more activity of any kind"]),
    ("lectures with three events count like any activity", "2027-06",
     lambda: [sweden(type_code="international_lectures", sessions=3),
              abroad(type_code="exchange_semester"), abroad(type_code="summer_course")], True, []),
]


@pytest.mark.parametrize("case, graduation, activities, met, missing", REQUIREMENT_CASES,
                         ids=[case[0] for case in REQUIREMENT_CASES])
def test_activity_requirement(case, graduation, activities, met, missing):
    activities = activities()
    standing = domain.assess_activities(domain.rule_set_for(graduation), activities)
    assert standing.met is met
    assert [m["en"] for m in standing.missing] == missing
    if met:
        assert {a.activity_id for a in standing.counted} == {
            a.activity_id for a in activities if a.status == APPROVED}


def test_every_missing_sentence_is_also_in_swedish():
    standing = domain.assess_activities(domain.STANDARD,
                                        [sweden(type_code="language_cafe", sessions=1)])
    assert {m["sv"] for m in standing.missing} >= {
        "en aktivitet till utomlands", "en aktivitet till av valfritt slag"}
    assert all(m["en"] and m["sv"] and m["en"] != m["sv"] for m in standing.missing)


@pytest.mark.parametrize("graduation, name", [
    ("2022-01", "digital-substitution-2022"), ("2022-12", "digital-substitution-2022"),
    ("2021-06", "standard"), ("2023-01", "standard"), ("2027-06", "standard")])
def test_the_rule_set_is_chosen_by_graduation_year(graduation, name):
    rule_set = domain.rule_set_for(graduation)
    assert (rule_set.name, rule_set.version) == (name, 1)


def test_eligible_needs_requirement_report_and_presentation():
    activities = [sweden(), abroad(), sweden()]
    report = Report(student_id="s-1", report_id="r-1", version=1, submitted_at=NOW)
    presentation = Presentation(student_id="s-1", ceremony_id="c-1", ceremony_date=TODAY,
                                recorded_by="c-biomed", recorded_at=NOW)
    standing = domain.assess(student(), activities, report, presentation)
    assert not standing.eligible and standing.activity_requirement_met
    assert [m["en"] for m in standing.missing] == ["a final report accepted by your coordinator"]
    report.status = "accepted"
    assert domain.assess(student(), activities, report, presentation).eligible
    assert not domain.assess(student(), activities, report, None).eligible
    assert not domain.assess(student(), activities[:2], report, presentation).eligible
    assert domain.assess(student(), activities, report, presentation).missing == []


# --- coordinators and decisions -------------------------------------------------------------

def directory():
    return [
        Coordinator("c-biomed", "B", None, ["BBIOM", "MBIOM"]),
        Coordinator("c-health-1", "H1", None, ["MMEDS", "MPUBH"]),
        Coordinator("c-health-2", "H2", None, ["MMEDS", "MPUBH"], on_leave=True),
        Coordinator("c-away", "A", None, ["XPROG"], on_leave=True, leave_from=date(2027, 2, 1),
                    leave_to=date(2027, 3, 31), substitute="c-biomed"),
    ]

# (role, subject, programme, may decide?)
AUTHORISATION_CASES = [
    ("coordinator", "c-biomed", "MBIOM", True),
    ("coordinator", "c-biomed", "BBIOM", True),
    ("coordinator", "c-biomed", "MPUBH", False),
    ("coordinator", "c-health-1", "MPUBH", True),
    ("coordinator", "c-health-2", "MPUBH", False),  # on leave: no work
    ("coordinator", "c-biomed", "XPROG", True),  # the named substitute during the leave
    ("coordinator", "c-away", "XPROG", False),
    ("coordinator", "c-unknown", "MBIOM", False),
    ("admin", "root", "MPUBH", True),
    ("student", "c-biomed", "MBIOM", False),  # the directory decides only for coordinators
    ("registrar", "r-1", "MBIOM", False),
]


@pytest.mark.parametrize("role, subject, programme, allowed", AUTHORISATION_CASES)
def test_who_may_decide(role, subject, programme, allowed):
    def decide():
        domain.ensure_may_decide(role=role, subject=subject, programme_code=programme,
                                 coordinators=directory(), today=TODAY)
    if allowed:
        decide()
    else:
        with pytest.raises(Forbidden):
            decide()


def test_a_leave_with_dates_ends_and_the_substitute_stops_covering():
    after = date(2027, 4, 1)
    assert "XPROG" in domain.programmes_covered("c-away", directory(), after)
    assert "XPROG" not in domain.programmes_covered("c-biomed", directory(), after)
    assert domain.available_coordinators("MPUBH", directory(), TODAY) == {"c-health-1"}
    assert domain.available_coordinators("NOBODY", directory(), TODAY) == set()


@pytest.mark.parametrize("decision, comment", [
    (REJECTED, None), (REJECTED, "   "), (CHANGES_REQUESTED, ""), (CHANGES_REQUESTED, None)])
def test_rejection_or_change_request_without_reason_is_refused(decision, comment):
    item = sweden(status=PENDING)
    with pytest.raises(Invalid, match="reason"):
        domain.decide_activity(item, decision=decision, comment=comment, version=None,
                               decided_by="c-biomed", now=NOW)
    assert item.status == PENDING


def test_returning_a_report_without_reason_is_refused():
    report = Report(student_id="s-1", report_id="r-1", version=1, submitted_at=NOW)
    with pytest.raises(Invalid, match="reason"):
        domain.decide_report(report, decision="returned", comment=None, decided_by="c", now=NOW)
    decision = domain.decide_report(report, decision="accepted", comment=None, decided_by="c",
                                    now=NOW)
    assert (decision.kind, decision.item_id, report.status) == ("report", "r-1", "accepted")
    with pytest.raises(Conflict):
        domain.decide_report(report, decision="accepted", comment=None, decided_by="c", now=NOW)
    with pytest.raises(Conflict):
        domain.decide_report(None, decision="accepted", comment=None, decided_by="c", now=NOW)


def test_a_decision_records_who_when_which_version_and_why():
    item = sweden(status=PENDING)
    decision = domain.decide_activity(item, decision=REJECTED, comment="no evidence", version=1,
                                      decided_by="c-biomed", now=NOW)
    assert (decision.item_id, decision.version, decision.decision, decision.comment,
            decision.decided_by, decision.decided_at) == (item.activity_id, 1, REJECTED,
                                                          "no evidence", "c-biomed", NOW)
    assert item.status == REJECTED


def test_deciding_twice_or_an_outdated_version_is_a_conflict():
    item = sweden(status=PENDING)
    domain.decide_activity(item, decision=APPROVED, comment=None, version=None, decided_by="c",
                           now=NOW)
    with pytest.raises(Conflict):
        domain.decide_activity(item, decision=APPROVED, comment=None, version=None,
                               decided_by="c", now=NOW)
    newer = sweden(status=PENDING)
    newer.replace_with(2, {"title": "v2"}, NOW)
    with pytest.raises(Conflict, match="outdated"):
        domain.decide_activity(newer, decision=APPROVED, comment=None, version=1, decided_by="c",
                               now=NOW)


def test_an_older_version_arriving_late_changes_nothing():
    item = sweden(status=PENDING)
    assert item.replace_with(3, {"title": "v3"}, NOW)
    assert not item.replace_with(2, {"title": "v2"}, NOW)
    assert (item.version, item.title) == (3, "v3")


def test_a_leave_must_not_end_before_it_starts_nor_name_oneself_or_a_stranger():
    leave = {"leave_from": date(2027, 5, 1), "leave_to": date(2027, 4, 1), "substitute": None}
    with pytest.raises(Invalid):
        domain.check_leave("c-1", leave, {"c-1"})
    with pytest.raises(Invalid):
        domain.check_leave("c-1", {**leave, "leave_to": date(2027, 6, 1), "substitute": "c-1"}, {"c-1"})
    with pytest.raises(Invalid):
        domain.check_leave("c-1", {**leave, "leave_to": date(2027, 6, 1), "substitute": "c-x"}, {"c-1"})
    domain.check_leave("c-1", {**leave, "leave_to": date(2027, 6, 1), "substitute": "c-2"},
                       {"c-1", "c-2"})


def test_the_domain_imports_only_the_standard_library_and_shared_errors():
    source = Path(domain.__file__).read_text()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            assert top in sys.stdlib_module_names or name == "shared.errors", name
