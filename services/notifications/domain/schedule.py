"""When the scheduled messages are due: a coordinator's digest, the reminders (pure rules, on a clock
the caller gives).

(policy, RULES.md "Notifications") A coordinator's digest is due once a day at their chosen time
of day in Europe/Stockholm (default 08:00), and lists the items of their programmes not listed to
them before. A reminder goes to a programme's coordinators when an item has waited longer than
the programme's target (default 14 days), once per waiting version. A student is reminded once
when their expected graduation is less than 90 days away and the activity requirement is not met.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from services.notifications.domain.preferences import DEFAULT_DIGEST_TIME

CAMPUS_TIME = ZoneInfo("Europe/Stockholm")  # the coordinators' time zone (policy)
DEFAULT_REVIEW_TARGET_DAYS = 14
GRADUATION_NOTICE_DAYS = 90


def local_day(now: datetime) -> date:
    return now.astimezone(CAMPUS_TIME).date()


def digest_due_at(day: date, digest_time: str | None) -> datetime:
    """The moment (in UTC) of a day's digest. On the night the clocks go forward a time that does not
    exist (02:30) falls after the gap (03:30 summer time); on the night they go back, a time that
    happens twice is the first one."""
    hours, minutes = (int(part) for part in (digest_time or DEFAULT_DIGEST_TIME).split(":"))
    wall = datetime.combine(day, time(hours, minutes), tzinfo=CAMPUS_TIME)  # fold=0: the earlier offset
    return wall.astimezone(timezone.utc)  # a time in the gap comes out past it


def digest_day(now: datetime, digest_time: str | None) -> date | None:
    """The local day whose digest is due at `now` (its time has come), or None before it."""
    day = local_day(now)
    return day if now >= digest_due_at(day, digest_time) else None


@dataclass(frozen=True)
class ReviewTargets:
    """(policy) How long an item may wait for a decision, per programme; `default` elsewhere."""

    default: int = DEFAULT_REVIEW_TARGET_DAYS
    by_programme: tuple[tuple[str, int], ...] = ()

    def days(self, programme: str | None) -> int:
        return dict(self.by_programme).get(programme, self.default)

    @property
    def shortest(self) -> int:
        return min([self.default, *(days for _, days in self.by_programme)])


def parse_targets(default: int, overrides: str | None) -> ReviewTargets:
    """`overrides` as `MPUBH=21,MMEDS=10` (programme code = days); a wrong one is an error at start."""
    pairs = []
    for part in filter(None, (p.strip() for p in (overrides or "").split(","))):
        code, _, days = part.partition("=")
        if not code.strip() or not days.strip().isdigit() or int(days) < 1:
            raise ValueError(f"a review target is CODE=DAYS with DAYS a whole number of days >= 1, got {part!r}")
        pairs.append((code.strip(), int(days)))
    if default < 1:
        raise ValueError("the review target must be at least one day")
    return ReviewTargets(default=default, by_programme=tuple(pairs))


def waited_too_long(waiting_since: datetime, now: datetime, target_days: int) -> bool:
    """Longer than the target: an item submitted 14 days ago to the second is not late yet."""
    return now - waiting_since > timedelta(days=target_days)


def graduation_month(expected_graduation: str) -> tuple[date, date]:
    """The first and last day of an expected graduation given as `YYYY-MM`."""
    year, month = (int(part) for part in expected_graduation.split("-"))
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def graduation_reminder_due(expected_graduation: str | None, today: date) -> bool:
    """(policy) The graduation counts from the first day of its month: the reminder is due when that
    is less than 90 days away, and stays due until the month ends (a student who registers in
    their graduation month is still told); a month already past is not reminded of."""
    if not expected_graduation:
        return False
    first, last = graduation_month(expected_graduation)
    return today <= last and (first - today).days < GRADUATION_NOTICE_DAYS


def graduation_window(today: date) -> tuple[str, str]:
    """The `YYYY-MM` months, first and last, whose graduation may be due for a reminder today
    (a coarse bound for a query; graduation_reminder_due decides)."""
    latest = today + timedelta(days=GRADUATION_NOTICE_DAYS)
    return f"{today:%Y-%m}", f"{latest:%Y-%m}"
