"""Approvals' rules from RULES.md, as a table of cases: plain Python, no broker, no database."""

import ast
import itertools
import sys
from dataclasses import replace
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from services.approvals.domain import coordinators, decisions, eligibility, funnel, inbox, rules
from services.approvals.domain.activities import Activity, receive_version
from services.approvals.domain.coordinators import Coordinator
from services.approvals.domain.statuses import (
    APPROVAL_WITHDRAWN,
    APPROVED,
    CHANGES_REQUESTED,
    PENDING,
    REJECTED,
    WITHDRAWN,
)
from services.approvals.domain.students import Presentation, Report, Student
from shared.errors import Conflict, Forbidden, Invalid, NotFound
from shared.permissions import ensure_may_coordinate, ensure_may_read_student
from shared.rpc.approvals import Leave
from tests.builders import an_actor

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=timezone.utc)
TODAY = NOW.date()

TYPES = {
    "exchange_semester": 1,
    "summer_course": 1,
    "degree_project_abroad": 1,
    "conference": 1,
    "buddy_mentor": 3,
    "language_cafe": 3,
    "journal_club": 1,
    "international_lectures": 3,
}


_ids = itertools.count(1)


def activity(where, type_code="conference", status=APPROVED, sessions=0, title=None):
    """An activity as approvals holds it; `status=APPROVED` means the coordinator approved it
    with the sessions it has (exactly what deciding does)."""
    n = next(_ids)
    item = Activity(
        activity_id=f"a-{n}",
        student_id="s-1",
        version=1,
        activity_type={
            "code": type_code,
            "name_en": type_code.replace("_", " "),
            "name_sv": type_code,
            "sessions_required": TYPES[type_code],
            "supplement_en": "",
            "supplement_sv": "",
        },
        title=title or f"{type_code} {n}",
        description="",
        location={"kind": where, "country": None},
        start_date=date(2026, 1, n % 28 + 1),
        end_date=date(2026, 1, n % 28 + 1),
        sessions=[{"session_id": f"x{i}", "date": "2026-01-01", "title": "t"} for i in range(sessions)],
        submitted_at=NOW,
        status=PENDING,
    )
    if status == APPROVED:
        item.approve()
    elif status == APPROVAL_WITHDRAWN:
        item.approve()
        item.take_back_approval()
    else:
        item.status = status
    return item


def student(graduation="2027-06"):
    return Student(
        student_id="s-1",
        name="Karin Boye",
        email="k@example.org",
        language="sv",
        programme_code="MBIOM",
        programme_name_en="Master's programme in Biomedicine",
        programme_name_sv="Masterprogram i biomedicin",
        expected_graduation=graduation,
    )


def sweden(**kw):
    return activity("sweden", **kw)


def abroad(**kw):
    return activity("abroad", **kw)


def digital(**kw):
    return activity("digital", **kw)


STANDARD_YEAR, COHORT_2022 = "2027-06", "2022-06"

# RULES.md beside this table: each row quotes the line of the rules it checks, then the case.
# (rule, case, graduation, activities, requirement met?, the English "missing" sentences)
# The activities are made when a case runs, not at import.
RULES = [
    # --- "Activity requirement" ---
    (
        "At least three approved international activities.",
        "nothing yet",
        STANDARD_YEAR,
        lambda: [],
        False,
        ["one more activity in Sweden", "one more activity abroad", "one more activity of any kind"],
    ),
    (
        "At least three approved international activities.",
        "Sweden, abroad and one more: met",
        STANDARD_YEAR,
        lambda: [sweden(), abroad(), sweden()],
        True,
        [],
    ),
    (
        "At least three approved international activities.",
        "two are not enough",
        STANDARD_YEAR,
        lambda: [sweden(), abroad()],
        False,
        ["one more activity of any kind"],
    ),
    (
        "At least three approved international activities.",
        "a pending activity is not approved",
        STANDARD_YEAR,
        lambda: [sweden(), abroad(), sweden(status=PENDING)],
        False,
        ["one more activity of any kind"],
    ),
    (
        "At least three approved international activities.",
        "a rejected activity is not approved",
        STANDARD_YEAR,
        lambda: [sweden(), abroad(status=REJECTED), sweden()],
        False,
        ["one more activity abroad"],
    ),
    (
        "At least three approved international activities.",
        "an activity sent back for changes is not approved",
        STANDARD_YEAR,
        lambda: [sweden(), abroad(), sweden(status=CHANGES_REQUESTED)],
        False,
        ["one more activity of any kind"],
    ),
    (
        "At least three approved international activities.",
        "an activity the student withdrew does not count",
        STANDARD_YEAR,
        lambda: [sweden(), abroad(), sweden(status=WITHDRAWN)],
        False,
        ["one more activity of any kind"],
    ),
    (
        "At least three approved international activities.",
        "an approval withdrawn by the coordinator no longer counts",
        STANDARD_YEAR,
        lambda: [sweden(), abroad(), sweden(status=APPROVAL_WITHDRAWN)],
        False,
        ["one more activity of any kind"],
    ),
    (
        "At least one conducted in Sweden and at least one abroad.",
        "three in Sweden lack the one abroad",
        STANDARD_YEAR,
        lambda: [sweden(), sweden(), sweden()],
        False,
        ["one more activity abroad"],
    ),
    (
        "At least one conducted in Sweden and at least one abroad.",
        "three abroad lack the one in Sweden",
        STANDARD_YEAR,
        lambda: [abroad(), abroad(), abroad()],
        False,
        ["one more activity in Sweden"],
    ),
    (
        "Digital substitution: for the cohort graduating in 2022, an activity abroad may be "
        "replaced by a corresponding digital activity.",
        "2022: a digital activity stands for the one abroad",
        COHORT_2022,
        lambda: [sweden(), digital(), sweden()],
        True,
        [],
    ),
    (
        "Digital substitution: for the cohort graduating in 2022, an activity abroad may be "
        "replaced by a corresponding digital activity.",
        "2022: a digital activity does not stand for the one in Sweden",
        "2022-01",
        lambda: [digital(), digital(), abroad()],
        False,
        ["one more activity in Sweden"],
    ),
    (
        "Digital substitution: for the cohort graduating in 2022, an activity abroad may be "
        "replaced by a corresponding digital activity.",
        "2022: still three in total",
        COHORT_2022,
        lambda: [sweden(), digital()],
        False,
        ["one more activity of any kind"],
    ),
    (
        "Digital substitution: for the cohort graduating in 2022, an activity abroad may be "
        "replaced by a corresponding digital activity.",
        "other years: a digital activity does not replace the one abroad",
        "2023-06",
        lambda: [sweden(), digital(), sweden()],
        False,
        ["one more activity abroad"],
    ),
    (
        "The graduation date decides the rule set, and it may lie in the past.",
        "a 2022 graduate (long past) is still judged by the 2022 rules",
        "2022-12",
        lambda: [sweden(), digital(), digital()],
        True,
        [],
    ),
    (
        "(policy) Outside the substitution rule, a digital activity counts towards the three, "
        'but neither as "in Sweden" nor as "abroad".',
        "a digital activity counts towards the three",
        STANDARD_YEAR,
        lambda: [sweden(), abroad(), digital()],
        True,
        [],
    ),
    (
        "(policy) Outside the substitution rule, a digital activity counts towards the three, "
        'but neither as "in Sweden" nor as "abroad".',
        "digital activities are not abroad",
        STANDARD_YEAR,
        lambda: [sweden(), digital(), digital()],
        False,
        ["one more activity abroad"],
    ),
    (
        "(policy) Outside the substitution rule, a digital activity counts towards the three, "
        'but neither as "in Sweden" nor as "abroad".',
        "digital activities are not in Sweden",
        STANDARD_YEAR,
        lambda: [abroad(), digital(), digital()],
        False,
        ["one more activity in Sweden"],
    ),
    (
        '(policy) One activity may satisfy only one of "in Sweden" / "abroad": a student needs '
        "at least two distinct activities for those two requirements, and three in total.",
        "one activity abroad and nothing in Sweden: both lines are not met by one",
        STANDARD_YEAR,
        lambda: [abroad()],
        False,
        ["one more activity in Sweden", "one more activity of any kind"],
    ),
    (
        '(policy) One activity may satisfy only one of "in Sweden" / "abroad": a student needs '
        "at least two distinct activities for those two requirements, and three in total.",
        "2022: one digital activity cannot be both the substitute abroad and the third",
        COHORT_2022,
        lambda: [sweden(), digital()],
        False,
        ["one more activity of any kind"],
    ),
    # --- "Activity catalogue" ---
    (
        "exchange semester (exchange_semester): counts as one activity when approved",
        "an exchange semester abroad counts",
        STANDARD_YEAR,
        lambda: [abroad(type_code="exchange_semester"), sweden(), sweden()],
        True,
        [],
    ),
    (
        "summer course (summer_course): approved; abroad or Sweden",
        "a summer course in Sweden counts as the Swedish one",
        STANDARD_YEAR,
        lambda: [sweden(type_code="summer_course"), abroad(), abroad()],
        True,
        [],
    ),
    (
        "degree project abroad (degree_project_abroad): approved; abroad",
        "a degree project abroad counts",
        STANDARD_YEAR,
        lambda: [abroad(type_code="degree_project_abroad"), sweden(), digital()],
        True,
        [],
    ),
    (
        "international conference or workshop (conference): approved; any location",
        "a conference counts wherever it was",
        STANDARD_YEAR,
        lambda: [digital(), sweden(), abroad()],
        True,
        [],
    ),
    (
        "International Buddy Group mentor (buddy_mentor): at least three buddy-group activities",
        "a buddy mentor with three approved sessions counts",
        STANDARD_YEAR,
        lambda: [sweden(type_code="buddy_mentor", sessions=3), abroad(), digital()],
        True,
        [],
    ),
    (
        "International Buddy Group mentor (buddy_mentor): at least three buddy-group activities",
        "a buddy mentor with two approved sessions does not count yet",
        STANDARD_YEAR,
        lambda: [sweden(type_code="buddy_mentor", sessions=2, title="Buddies"), abroad(), digital()],
        False,
        ["one more activity in Sweden", "one more approved session of “Buddies” (buddy mentor)"],
    ),
    (
        "language café (language_cafe): attended at least three times",
        "a language café with three approved sessions counts",
        STANDARD_YEAR,
        lambda: [sweden(type_code="language_cafe", sessions=3), abroad(), digital()],
        True,
        [],
    ),
    (
        "language café (language_cafe): attended at least three times",
        "a language café with two approved sessions does not count yet",
        STANDARD_YEAR,
        lambda: [sweden(type_code="language_cafe", sessions=2, title="Fika"), abroad(), digital()],
        False,
        ["one more activity in Sweden", "one more approved session of “Fika” (language cafe)"],
    ),
    (
        "language café (language_cafe): Sweden or digital",
        "a digital language café counts towards the three",
        STANDARD_YEAR,
        lambda: [digital(type_code="language_cafe", sessions=3), abroad(), sweden()],
        True,
        [],
    ),
    (
        "journal club created by the student (journal_club): approved; an alternative to language cafés",
        "a journal club counts on approval, with no sessions",
        STANDARD_YEAR,
        lambda: [sweden(type_code="journal_club"), abroad(), digital()],
        True,
        [],
    ),
    (
        "international lectures (international_lectures): attended at least three events",
        "lectures with three approved events count",
        STANDARD_YEAR,
        lambda: [
            sweden(type_code="international_lectures", sessions=3),
            abroad(type_code="exchange_semester"),
            abroad(type_code="summer_course"),
        ],
        True,
        [],
    ),
    (
        "international lectures (international_lectures): attended at least three events",
        "lectures with no approved event yet",
        STANDARD_YEAR,
        lambda: [sweden(type_code="international_lectures", title="Global Day"), abroad(), abroad()],
        False,
        ["one more activity in Sweden", "three more approved sessions of “Global Day” (international lectures)"],
    ),
    (
        "(policy) A repeated-attendance type ... counts once its approved sessions reach three, "
        "and it counts at most once, however many sessions follow.",
        "nine buddy sessions are still one activity",
        STANDARD_YEAR,
        lambda: [sweden(type_code="buddy_mentor", sessions=9), abroad()],
        False,
        ["one more activity of any kind"],
    ),
]


@pytest.mark.parametrize("rule, case, graduation, activities, met, missing", RULES, ids=[f"{row[1]}" for row in RULES])
def test_the_activity_requirement_as_written_in_rules_md(rule, case, graduation, activities, met, missing):
    activities = activities()
    standing = rules.assess_activities(rules.rule_set_for(graduation), activities)
    assert standing.met is met, f"{rule} -- {case}"
    assert [m["en"] for m in standing.missing] == missing, f"{rule} -- {case}"
    if met:
        assert {a.activity_id for a in standing.counted} == {a.activity_id for a in activities if a.counts()}


def test_a_repeated_activity_keeps_its_approved_sessions_while_new_ones_wait():
    """(policy) Sessions added after a decision go back to the coordinator, as a new version;
    what was approved keeps counting meanwhile, with the location that was approved."""
    cafe = sweden(type_code="language_cafe", sessions=3)
    assert cafe.counts()
    cafe.replace_with(
        2,
        {
            "sessions": cafe.sessions + [{"session_id": "x9", "date": "2026-02-01", "title": "t"}],
            "location": {"kind": "abroad", "country": "DE"},
        },
        NOW,
    )
    assert cafe.status == PENDING and cafe.counts() and cafe.counted_location == "sweden"
    short = sweden(type_code="language_cafe", sessions=2)
    short.replace_with(
        2, {"sessions": short.sessions + [{"session_id": "x9", "date": "2026-02-01", "title": "t"}]}, NOW
    )
    assert not short.counts()  # the third session is not approved yet
    decisions.decide_activity(short, decision=APPROVED, comment=None, version=2, decided_by="c", now=NOW)
    assert short.counts() and short.approved_sessions == 3


def test_every_missing_sentence_is_also_in_swedish():
    standing = rules.assess_activities(rules.STANDARD, [sweden(type_code="language_cafe", sessions=1)])
    assert {m["sv"] for m in standing.missing} >= {"en aktivitet till utomlands", "en aktivitet till av valfritt slag"}
    assert all(m["en"] and m["sv"] and m["en"] != m["sv"] for m in standing.missing)


@pytest.mark.parametrize(
    "graduation, name",
    [
        ("2022-01", "digital-substitution-2022"),
        ("2022-12", "digital-substitution-2022"),
        ("2021-06", "standard"),
        ("2023-01", "standard"),
        ("2027-06", "standard"),
    ],
)
def test_the_rule_set_is_chosen_by_graduation_year(graduation, name):
    rule_set = rules.rule_set_for(graduation)
    assert (rule_set.name, rule_set.version) == (name, 1)


def test_eligible_needs_requirement_report_and_presentation():
    activities = [sweden(), abroad(), sweden()]
    report = Report(student_id="s-1", report_id="r-1", version=1, submitted_at=NOW)
    presentation = Presentation(
        student_id="s-1", ceremony_id="c-1", ceremony_date=TODAY, recorded_by="c-biomed", recorded_at=NOW
    )
    standing = eligibility.assess(student(), activities, report, presentation)
    assert not standing.eligible and standing.activity_requirement_met
    assert [m["en"] for m in standing.missing] == ["a final report accepted by your coordinator"]
    report.status = "accepted"
    assert eligibility.assess(student(), activities, report, presentation).eligible
    assert not eligibility.assess(student(), activities, report, None).eligible
    assert not eligibility.assess(student(), activities[:2], report, presentation).eligible
    assert eligibility.assess(student(), activities, report, presentation).missing == []


# --- coordinators and decisions -------------------------------------------------------------


def directory():
    return [
        Coordinator("c-biomed", "B", None, ["BBIOM", "MBIOM"]),
        Coordinator("c-health-1", "H1", None, ["MMEDS", "MPUBH"]),
        Coordinator("c-health-2", "H2", None, ["MMEDS", "MPUBH"], on_leave=True),
        Coordinator(
            "c-away",
            "A",
            None,
            ["XPROG"],
            on_leave=True,
            leave_from=date(2027, 2, 1),
            leave_to=date(2027, 3, 31),
            substitute="c-biomed",
        ),
    ]


# (role, subject, programme, refusal: None when they may decide). Another programme's item is
# not the coordinator's to know of (404); a role that never decides is refused (403).
AUTHORISATION_CASES = [
    ("coordinator", "c-biomed", "MBIOM", None),
    ("coordinator", "c-biomed", "BBIOM", None),
    ("coordinator", "c-biomed", "MPUBH", NotFound),
    ("coordinator", "c-health-1", "MPUBH", None),
    ("coordinator", "c-health-2", "MPUBH", NotFound),  # on leave: no work
    ("coordinator", "c-biomed", "XPROG", None),  # the named substitute during the leave
    ("coordinator", "c-away", "XPROG", NotFound),
    ("coordinator", "c-unknown", "MBIOM", NotFound),
    ("admin", "root", "MPUBH", None),
    ("student", "c-biomed", "MBIOM", Forbidden),  # the directory decides only for coordinators
    ("registrar", "r-1", "MBIOM", Forbidden),
]


@pytest.mark.parametrize("role, subject, programme, refusal", AUTHORISATION_CASES)
def test_who_may_decide(role, subject, programme, refusal):
    def decide():
        actor = an_actor(role, subject=subject, programmes=("MBIOM", "MPUBH", "XPROG"))
        ensure_may_coordinate(coordinators.as_in_directory(actor, directory(), TODAY), programme)

    if refusal is None:
        decide()
    else:
        with pytest.raises(refusal):
            decide()


def test_a_leave_with_dates_ends_and_the_substitute_stops_covering():
    after = date(2027, 4, 1)
    assert "XPROG" in coordinators.programmes_covered("c-away", directory(), after)
    assert "XPROG" not in coordinators.programmes_covered("c-biomed", directory(), after)
    assert coordinators.available_coordinators("MPUBH", directory(), TODAY) == {"c-health-1"}
    assert coordinators.available_coordinators("NOBODY", directory(), TODAY) == set()


@pytest.mark.parametrize(
    "decision, comment", [(REJECTED, None), (REJECTED, "   "), (CHANGES_REQUESTED, ""), (CHANGES_REQUESTED, None)]
)
def test_rejection_or_change_request_without_reason_is_refused(decision, comment):
    item = sweden(status=PENDING)
    with pytest.raises(Invalid, match="reason"):
        decisions.decide_activity(
            item, decision=decision, comment=comment, version=None, decided_by="c-biomed", now=NOW
        )
    assert item.status == PENDING


def test_returning_a_report_without_reason_is_refused():
    report = Report(student_id="s-1", report_id="r-1", version=1, submitted_at=NOW)
    with pytest.raises(Invalid, match="reason"):
        decisions.decide_report(report, decision="returned", comment=None, decided_by="c", now=NOW)
    decision = decisions.decide_report(report, decision="accepted", comment=None, decided_by="c", now=NOW)
    assert (decision.kind, decision.item_id, report.status) == ("report", "r-1", "accepted")
    with pytest.raises(Conflict):
        decisions.decide_report(report, decision="accepted", comment=None, decided_by="c", now=NOW)
    with pytest.raises(Conflict):
        decisions.decide_report(None, decision="accepted", comment=None, decided_by="c", now=NOW)


def test_a_decision_records_who_when_which_version_and_why():
    item = sweden(status=PENDING)
    decision = decisions.decide_activity(
        item, decision=REJECTED, comment="no evidence", version=1, decided_by="c-biomed", now=NOW
    )
    assert (
        decision.item_id,
        decision.version,
        decision.decision,
        decision.comment,
        decision.decided_by,
        decision.decided_at,
    ) == (item.activity_id, 1, REJECTED, "no evidence", "c-biomed", NOW)
    assert item.status == REJECTED


def test_deciding_twice_or_an_outdated_version_is_a_conflict():
    item = sweden(status=PENDING)
    decisions.decide_activity(item, decision=APPROVED, comment=None, version=None, decided_by="c", now=NOW)
    with pytest.raises(Conflict):
        decisions.decide_activity(item, decision=APPROVED, comment=None, version=None, decided_by="c", now=NOW)
    newer = sweden(status=PENDING)
    newer.replace_with(2, {"title": "v2"}, NOW)
    with pytest.raises(Conflict, match="outdated"):
        decisions.decide_activity(newer, decision=APPROVED, comment=None, version=1, decided_by="c", now=NOW)


def test_an_older_version_arriving_late_changes_nothing():
    item = sweden(status=PENDING)
    assert item.replace_with(3, {"title": "v3"}, NOW)
    assert not item.replace_with(2, {"title": "v2"}, NOW)
    assert (item.version, item.title) == (3, "v3")


def test_a_leave_must_not_end_before_it_starts_nor_name_oneself_or_a_stranger():
    leave = Leave(leave_from=date(2027, 5, 1), leave_to=date(2027, 4, 1))
    later = replace(leave, leave_to=date(2027, 6, 1))
    with pytest.raises(Invalid):
        coordinators.check_leave("c-1", leave, {"c-1"})
    with pytest.raises(Invalid):
        coordinators.check_leave("c-1", replace(later, substitute="c-1"), {"c-1"})
    with pytest.raises(Invalid):
        coordinators.check_leave("c-1", replace(later, substitute="c-x"), {"c-1"})
    coordinators.check_leave("c-1", replace(later, substitute="c-2"), {"c-1", "c-2"})


def test_the_domain_imports_only_the_standard_library_its_own_modules_and_plain_shared():
    allowed = ("shared.errors", "shared.permissions")
    for path in Path(coordinators.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert (
                    top in sys.stdlib_module_names or name in allowed or name.startswith("services.approvals.domain")
                ), (path.name, name)


# --- "Coordinators" and "Completion" --------------------------------------------------------


def test_an_approval_is_withdrawn_only_with_a_reason_and_then_stops_counting():
    """A change after eligibility (an approval withdrawn) must not pass silently: it has a
    reason, it is a decision of its own, and the activity no longer counts."""
    item = sweden()
    with pytest.raises(Invalid, match="reason"):
        decisions.withdraw_approval(item, reason="  ", decided_by="c-biomed", now=NOW)
    assert item.counts()
    decision = decisions.withdraw_approval(
        item, reason="the certificate of attendance is forged", decided_by="c-biomed", now=NOW
    )
    assert (decision.decision, decision.comment, decision.version, decision.decided_by) == (
        APPROVAL_WITHDRAWN,
        "the certificate of attendance is forged",
        1,
        "c-biomed",
    )
    assert item.status == APPROVAL_WITHDRAWN and not item.counts()
    with pytest.raises(Conflict):
        decisions.withdraw_approval(item, reason="again", decided_by="c-biomed", now=NOW)
    with pytest.raises(Conflict):  # nothing was approved
        decisions.withdraw_approval(sweden(status=PENDING), reason="x", decided_by="c", now=NOW)


def test_a_withdrawal_by_the_student_wins_over_versions_arriving_before_or_after_it():
    values = lambda title: {
        "activity_type": {"code": "conference", "sessions_required": 1},  # noqa
        "title": title,
        "description": "",
        "location": {"kind": "sweden"},
        "start_date": TODAY,
        "end_date": TODAY,
        "sessions": [],
    }
    first, _ = receive_version(
        None, withdrawn=True, activity_id="a", student_id="s", version=1, values=values("v1"), submitted_at=NOW
    )
    assert first.status == WITHDRAWN
    later, changed = receive_version(
        first, withdrawn=True, activity_id="a", student_id="s", version=2, values=values("v2"), submitted_at=NOW
    )
    assert changed and later.title == "v2" and later.status == WITHDRAWN


def _item(n, programme="MBIOM", kind="activity", type_code="conference", version=1):
    return {
        "kind": kind,
        "id": f"i-{n:02d}",
        "programme": programme,
        "type": type_code,
        "version": version,
        "student_id": f"s-{n % 5}",
        "student_name": f"Åsa Berg {n % 5}",
        "submitted_at": datetime(2027, 1, 1 + n, tzinfo=timezone.utc),
    }


def _pages(items, criteria, limit):
    """Page through the items as the repository would (rows after the cursor, limit + 1)."""
    ordered = sorted((i for i in items if inbox.matches(i, criteria)), key=inbox.position)
    seen, cursor = [], None
    while True:
        after = inbox.decode_cursor(cursor) if cursor else None
        rows = [i for i in ordered if after is None or inbox.position(i) > after][: limit + 1]
        page = inbox.page_of(rows, limit)
        seen.append([i["id"] for i in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            return seen


def test_the_inbox_is_oldest_first_filtered_and_paged_without_losing_an_item():
    items = [
        _item(
            n,
            programme="MBIOM" if n % 2 else "BBIOM",
            type_code="language_cafe" if n % 3 == 0 else "conference",
            version=2 if n % 4 == 0 else 1,
        )
        for n in range(20, 0, -1)
    ]
    pages = _pages(items, inbox.InboxCriteria(), 6)
    assert [len(p) for p in pages] == [6, 6, 6, 2]
    assert sum(pages, []) == sorted(i["id"] for i in items)
    chosen = lambda **kw: [i for i in items if inbox.matches(i, inbox.InboxCriteria(**kw))]  # noqa
    assert {i["programme"] for i in chosen(programme="BBIOM")} == {"BBIOM"}
    assert {i["programme"] for i in chosen(programmes=frozenset({"MBIOM"}))} == {"MBIOM"}
    assert {i["type"] for i in chosen(type_code="language_cafe")} == {"language_cafe"}
    assert {i["version"] for i in chosen(status="resubmitted")} == {2}
    assert chosen(kind="report") == []
    assert {i["student_id"] for i in chosen(student_id="s-3")} == {"s-3"}
    assert len(chosen(search="berg 3")) == 4 and len(chosen(search="ÅSA")) == 20


def test_a_string_the_inbox_never_gave_out_as_a_cursor_names_no_page():
    for cursor in (
        "0",
        "not-a-cursor!",
        "MjAyNw",
        inbox.encode_cursor((datetime(2027, 1, 1), "x")),
    ):  # the last: a position without a time zone
        with pytest.raises(NotFound):
            inbox.decode_cursor(cursor)
    at = (datetime(2027, 1, 1, tzinfo=timezone.utc), "i-01")
    assert inbox.decode_cursor(inbox.encode_cursor(at)) == at


def test_the_funnel_counts_each_stage_and_the_median_wait_from_the_stage_before():
    day = lambda n: datetime(2027, 1, n, tzinfo=timezone.utc)  # noqa: E731
    journeys = [
        {
            "registered": day(1),
            "activity_requirement_met": day(11),
            "report_accepted": day(15),
            "presented": day(20),
            "eligible": day(20),
            "certificate_issued": day(21),
        },
        {"registered": day(1), "activity_requirement_met": day(5)},
        {"registered": day(2), "activity_requirement_met": day(3)},
        {"registered": day(3)},
    ]
    rows = {r["stage"]: r for r in funnel.funnel("MBIOM", journeys)}
    assert [r["stage"] for r in funnel.funnel("MBIOM", journeys)] == list(funnel.FUNNEL_STAGES)
    assert [rows[s]["count"] for s in funnel.FUNNEL_STAGES] == [4, 3, 1, 1, 1, 1]
    assert rows["registered"]["median_wait_seconds"] is None
    assert rows["activity_requirement_met"]["median_wait_seconds"] == 4 * 86400  # 10, 4, 1 days
    assert rows["certificate_issued"]["median_wait_seconds"] == 86400


@pytest.mark.parametrize(
    "role, subject, own, allowed, error",
    [
        ("student", "s", "s-1", True, None),
        ("student", "s", "s-2", False, NotFound),  # another student's record does not exist for them
        ("coordinator", "c-biomed", None, True, None),
        ("coordinator", "c-health-1", None, False, NotFound),  # not their programme: not theirs to know
        ("admin", "root", None, True, None),
    ],
)
def test_who_reads_a_students_record(role, subject, own, allowed, error):
    """The record of a student: the student, their programme's coordinators (per the directory)
    and admins. (Which roles may ask at all is the use case's rule: the registrar may not.)"""

    def read():
        actor = coordinators.as_in_directory(an_actor(role, subject=subject, student_id=own), directory(), TODAY)
        ensure_may_read_student(actor, student().student_id, student().programme_code)

    if allowed:
        read()
    else:
        with pytest.raises(error):
            read()


def test_a_programme_with_nobody_available_is_an_alert():
    assert coordinators.uncovered_programmes({"MBIOM", "MPUBH", "XPROG", "NOBODY"}, directory(), TODAY) == {"NOBODY"}
    after_the_leave = [c for c in directory() if c.subject != "c-biomed"]
    assert coordinators.uncovered_programmes({"XPROG", "MBIOM"}, after_the_leave, TODAY) == {
        "XPROG",
        "MBIOM",
    }  # the substitute is gone: nobody covers the leave
