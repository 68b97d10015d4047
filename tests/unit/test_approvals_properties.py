"""Properties of the rules (hypothesis): what must hold for every portfolio, not just the table.

- the outcome does not depend on the order in which approvals hears of things;
- adding an approved activity never takes the activity requirement away;
- a rejected or withdrawn activity (or one whose approval was withdrawn) never counts;
- replays (an event delivered again) change nothing.

The events are folded exactly as approvals' handlers fold them: `receive_version` for
activity.submitted/resubmitted, a kept withdrawal plus `Activity.withdraw` for activity.withdrawn,
then `decisions.decide_activity` for the coordinator's decisions.
"""

from datetime import date, datetime, timedelta, timezone

from hypothesis import given, settings, strategies as st

from services.approvals.domain import decisions, rules
from services.approvals.domain.activities import Activity, receive_version
from services.approvals.domain.statuses import (
    APPROVAL_WITHDRAWN,
    APPROVED,
    CHANGES_REQUESTED,
    PENDING,
    REJECTED,
    WITHDRAWN,
)

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=timezone.utc)
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
KINDS = ("sweden", "abroad", "digital")
RULE_SETS = st.sampled_from([rules.STANDARD, rules.DIGITAL_SUBSTITUTION_2022])


def _type(code):
    return {
        "code": code,
        "name_en": code,
        "name_sv": code,
        "sessions_required": TYPES[code],
        "supplement_en": "",
        "supplement_sv": "",
    }


def _values(code, kind, sessions, title):
    return {
        "activity_type": _type(code),
        "title": title,
        "description": "",
        "location": {"kind": kind, "country": None},
        "start_date": date(2026, 1, 1),
        "end_date": date(2026, 1, 2),
        "sessions": [{"session_id": f"s{i}", "date": "2026-01-01", "title": "t"} for i in range(sessions)],
    }


def made(index, code, kind, sessions, status):
    """A portfolio entry in a given state, reached the way the service reaches it."""
    item = Activity(
        activity_id=f"a-{index:03d}",
        student_id="s-1",
        version=1,
        submitted_at=NOW + timedelta(minutes=index),
        **_values(code, kind, sessions, f"t{index}"),
    )
    if status in (APPROVED, APPROVAL_WITHDRAWN):
        decisions.decide_activity(item, decision=APPROVED, comment=None, version=1, decided_by="c", now=NOW)
        if status == APPROVAL_WITHDRAWN:
            decisions.withdraw_approval(item, reason="r", decided_by="c", now=NOW)
    elif status in (REJECTED, CHANGES_REQUESTED):
        decisions.decide_activity(item, decision=status, comment="why", version=1, decided_by="c", now=NOW)
    elif status == WITHDRAWN:
        if index % 2:  # approved first, then a newer version withdrawn: the approval goes too
            decisions.decide_activity(item, decision=APPROVED, comment=None, version=1, decided_by="c", now=NOW)
            item.replace_with(2, {"title": "v2"}, NOW)
        item.withdraw()
    return item


entries = st.tuples(
    st.sampled_from(sorted(TYPES)),
    st.sampled_from(KINDS),
    st.integers(min_value=0, max_value=5),
    st.sampled_from([APPROVED, PENDING, REJECTED, CHANGES_REQUESTED, WITHDRAWN, APPROVAL_WITHDRAWN]),
)
portfolios = st.lists(entries, max_size=8)


def build(entries_, start=0):
    return [made(start + i, *entry) for i, entry in enumerate(entries_)]


def outcome(rule_set, activities):
    standing = rules.assess_activities(rule_set, activities)
    return standing.met, [a.activity_id for a in standing.counted], standing.missing


@settings(max_examples=300, deadline=None)
@given(
    RULE_SETS, portfolios, st.sampled_from(sorted(TYPES)), st.sampled_from(KINDS), st.integers(min_value=0, max_value=5)
)
def test_adding_an_approved_activity_never_takes_the_requirement_away(rule_set, entries_, code, kind, sessions):
    activities = build(entries_)
    before = rules.assess_activities(rule_set, activities)
    extra = made(len(activities), code, kind, sessions, APPROVED)
    after = rules.assess_activities(rule_set, activities + [extra])
    if before.met:
        assert after.met
    assert {a.activity_id for a in before.counted} <= {a.activity_id for a in after.counted}


@settings(max_examples=300, deadline=None)
@given(
    RULE_SETS,
    portfolios,
    st.sampled_from(sorted(TYPES)),
    st.sampled_from(KINDS),
    st.integers(min_value=0, max_value=5),
    st.sampled_from([REJECTED, WITHDRAWN, APPROVAL_WITHDRAWN, CHANGES_REQUESTED, PENDING]),
)
def test_an_activity_that_is_not_approved_never_counts(rule_set, entries_, code, kind, sessions, status):
    activities = build(entries_)
    extra = made(len(activities), code, kind, sessions, status)
    met, counted, _ = outcome(rule_set, activities)
    met_with, counted_with, _ = outcome(rule_set, activities + [extra])
    assert (met_with, counted_with) == (met, counted)
    assert extra.activity_id not in counted_with


@settings(max_examples=200, deadline=None)
@given(RULE_SETS, portfolios)
def test_rejected_or_withdrawn_activities_count_for_nothing(rule_set, entries_):
    activities = build(entries_)
    live = [a for a in activities if a.status not in (REJECTED, WITHDRAWN, APPROVAL_WITHDRAWN)]
    assert outcome(rule_set, activities)[:2] == outcome(rule_set, live)[:2]


# --- order and replays: the events approvals consumes, folded like the handlers fold them ---

histories = st.lists(
    st.tuples(
        st.sampled_from(sorted(TYPES)),
        st.sampled_from(KINDS),
        st.lists(st.integers(min_value=0, max_value=2), min_size=1, max_size=4),  # per version
        st.booleans(),
    ),  # withdrawn at the end?
    max_size=6,
)
plans = st.lists(st.sampled_from([APPROVED, REJECTED, CHANGES_REQUESTED]), min_size=6, max_size=6)


def events_of(histories_):
    """Each activity: versions 1..k (sessions only ever added), then maybe the withdrawal."""
    events = []
    for index, (code, kind, additions, withdrawn) in enumerate(histories_):
        activity_id, sessions = f"a-{index:03d}", 0
        for version, added in enumerate(additions, start=1):
            sessions += added if TYPES[code] > 1 else 0
            events.append(
                (
                    "version",
                    activity_id,
                    version,
                    _values(code, kind, sessions, f"{activity_id} v{version}"),
                    NOW + timedelta(minutes=version),
                )
            )
        if withdrawn:
            events.append(("withdrawn", activity_id))
    return events


def fold(events):
    """What the handlers do with each event: record_activity and withdraw_activity."""
    copies, withdrawn = {}, set()
    for event in events:
        if event[0] == "version":
            _, activity_id, version, values, at = event
            copy, _ = receive_version(
                copies.get(activity_id),
                withdrawn=activity_id in withdrawn,
                activity_id=activity_id,
                student_id="s-1",
                version=version,
                values=values,
                submitted_at=at,
            )
            copies[activity_id] = copy
        else:
            withdrawn.add(event[1])
            if event[1] in copies:
                copies[event[1]].withdraw()
    return copies


def decide_all(copies, plan):
    """The coordinator then decides every pending activity, by a fixed plan."""
    for index, activity_id in enumerate(sorted(copies)):
        copy = copies[activity_id]
        if copy.status == PENDING:
            decisions.decide_activity(
                copy, decision=plan[index % len(plan)], comment="why", version=copy.version, decided_by="c", now=NOW
            )
    return copies


def state(copies):
    return {a: (c.version, c.status, c.title, len(c.sessions)) for a, c in copies.items()}


@settings(max_examples=200, deadline=None)
@given(histories, plans, RULE_SETS, st.randoms(use_true_random=False))
def test_the_outcome_does_not_depend_on_the_order_of_events(histories_, plan, rule_set, rnd):
    events = events_of(histories_)
    shuffled = list(events)
    rnd.shuffle(shuffled)
    in_order, out_of_order = fold(events), fold(shuffled)
    assert state(in_order) == state(out_of_order)
    in_order, out_of_order = decide_all(in_order, plan), decide_all(out_of_order, plan)
    assert state(in_order) == state(out_of_order)
    assert outcome(rule_set, list(in_order.values())) == outcome(rule_set, list(out_of_order.values()))


@settings(max_examples=200, deadline=None)
@given(histories, plans, RULE_SETS, st.randoms(use_true_random=False))
def test_replayed_events_change_nothing(histories_, plan, rule_set, rnd):
    events = events_of(histories_)
    replays = list(events) + [rnd.choice(events) for _ in range(len(events))] if events else []
    rnd.shuffle(replays)
    once, again = decide_all(fold(events), plan), decide_all(fold(replays), plan)
    assert state(once) == state(again)
    assert outcome(rule_set, list(once.values())) == outcome(rule_set, list(again.values()))
    # and after the decisions, the same events once more still change nothing
    before = state(once)
    for event in events:
        if event[0] == "version":
            copy, changed = receive_version(
                once[event[1]],
                withdrawn=once[event[1]].status == WITHDRAWN,
                activity_id=event[1],
                student_id="s-1",
                version=event[2],
                values=event[3],
                submitted_at=event[4],
            )
            assert not changed
    assert state(once) == before
