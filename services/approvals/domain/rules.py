"""The activity requirement: the versioned rule sets and how a portfolio of activities meets one.

The rules come from the programme page as written down in RULES.md; the choices marked (policy)
there are made here and tested in tests/unit/test_approvals_domain.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from services.approvals.domain.activities import Activity
from services.approvals.domain.statuses import ABROAD, APPROVED, DIGITAL, PENDING, SWEDEN


@dataclass(frozen=True)
class RuleSet:
    """A versioned statement of the activity requirement."""

    name: str
    version: int
    activities_required: int = 3
    # (policy) the 2022 cohort: one digital activity may stand for the activity abroad.
    digital_may_replace_abroad: bool = False


STANDARD = RuleSet("standard", 1)
DIGITAL_SUBSTITUTION_2022 = RuleSet("digital-substitution-2022", 1, digital_may_replace_abroad=True)


RULE_SETS = {(r.name, r.version): r for r in (STANDARD, DIGITAL_SUBSTITUTION_2022)}


def rule_set_for(expected_graduation: str) -> RuleSet:
    """Chosen by the graduation year, which may lie in the past (the 2022 rules stay live)."""
    if expected_graduation.startswith("2022"):
        return DIGITAL_SUBSTITUTION_2022
    return STANDARD


_EN_NUMBERS = {1: "one", 2: "two", 3: "three"}
_SV_COMMON = {1: "en", 2: "två", 3: "tre"}  # en aktivitet
_SV_NEUTER = {1: "ett", 2: "två", 3: "tre"}  # ett tillfälle


def _en(n: int) -> str:
    return _EN_NUMBERS.get(n, str(n))


@dataclass
class ActivityStanding:
    met: bool
    counted: list = field(default_factory=list)  # the activities that count, oldest first
    missing: list = field(default_factory=list)  # [{"en": ..., "sv": ...}]


def assess_activities(rule_set: RuleSet, activities: list[Activity]) -> ActivityStanding:
    """The activity requirement: enough counting activities, one in Sweden and one abroad.

    Every location is one kind, so "in Sweden" and "abroad" are always met by two distinct
    activities (policy: one activity satisfies only one of them). A digital activity counts
    towards the total only, except as the 2022 cohort's replacement for the one abroad.
    """
    counted = sorted((a for a in activities if a.counts()), key=lambda a: (a.start_date, a.submitted_at, a.activity_id))
    # One activity satisfies only one of the two: with one kind per activity, the Swedish one
    # and the one abroad are always distinct activities.
    in_sweden = [a for a in counted if a.counted_location == SWEDEN]
    abroad = [a for a in counted if a.counted_location == ABROAD]
    if not abroad and rule_set.digital_may_replace_abroad:
        abroad = [a for a in counted if a.counted_location == DIGITAL]

    missing = []
    if not in_sweden:
        missing.append({"en": "one more activity in Sweden", "sv": "en aktivitet till i Sverige"})
    if not abroad:
        if rule_set.digital_may_replace_abroad:
            missing.append(
                {
                    "en": "one more activity abroad (for your year a digital activity may take its place)",
                    "sv": "en aktivitet till utomlands (för din årskull kan en digital aktivitet ersätta den)",
                }
            )
        else:
            missing.append({"en": "one more activity abroad", "sv": "en aktivitet till utomlands"})
    any_kind = rule_set.activities_required - len(counted) - len(missing)
    if any_kind > 0:
        plural = any_kind > 1
        missing.append(
            {
                "en": f"{_en(any_kind)} more {'activities' if plural else 'activity'} of any kind",
                "sv": f"{_SV_COMMON.get(any_kind, any_kind)} {'aktiviteter' if plural else 'aktivitet'} "
                "till av valfritt slag",
            }
        )
    met = not missing
    if not met:
        for activity in sorted(activities, key=lambda a: (a.start_date, a.activity_id)):
            if activity.status in (PENDING, APPROVED) and activity.sessions_missing:
                n = activity.sessions_missing
                missing.append(
                    {
                        "en": f"{_en(n)} more approved {'sessions' if n > 1 else 'session'} of "
                        f"“{activity.title}” ({activity.activity_type['name_en']})",
                        "sv": f"{_SV_NEUTER.get(n, n)} {'godkända tillfällen' if n > 1 else 'godkänt tillfälle'}"
                        f" till av ”{activity.title}” ({activity.activity_type['name_sv']})",
                    }
                )
    return ActivityStanding(met=met, counted=counted, missing=missing)
