"""The programme funnel: how many students reached each stage, and how long they waited for it."""

from __future__ import annotations

import math
import statistics
from collections import Counter


FUNNEL_STAGES = (
    "registered",
    "activity_requirement_met",
    "report_accepted",
    "presented",
    "eligible",
    "certificate_issued",
)


def funnel(programme: str, journeys: list[dict]) -> list[dict]:
    """Counts per stage, and the median time from the stage before (seconds; None when unknown).

    Each journey maps a stage to when the student reached it (missing or None: not reached).
    """
    rows = []
    for index, stage in enumerate(FUNNEL_STAGES):
        reached = [j for j in journeys if j.get(stage) is not None]
        waits = []
        if index > 0:
            before = FUNNEL_STAGES[index - 1]
            waits = [(j[stage] - j[before]).total_seconds() for j in reached if j.get(before) is not None]
        median = int(statistics.median(waits)) if waits else None
        rows.append(
            {
                "programme": programme,
                "stage": stage,
                "count": len(reached),
                "median_wait_seconds": None if median is None else max(0, median),
            }
        )
    return rows


# --- the summary the funnel reads (kept up to date by the events) --------------------------------
#
# Each student contributes to their programme's summary: one to `REACHED` of every stage they
# reached, and one to the wait bucket of each stage they reached from the stage before. A bucket
# is a quarter of an octave of seconds (bucket b >= 1 holds waits in [2^((b-1)/4), 2^(b/4)) s;
# bucket 0 those under a second): the median read from the buckets lies in the same bucket as the
# exact one, so it is within 19 % of it (2^(1/4) = 1.19), whatever the number of students.

REACHED = -1  # the bucket key of a stage's count
BUCKETS_PER_OCTAVE = 4


def wait_bucket(seconds: float) -> int:
    """The bucket of a wait (a negative wait, clocks apart, counts as none)."""
    if seconds < 1:
        return 0
    return 1 + math.floor(BUCKETS_PER_OCTAVE * math.log2(seconds))


def _bucket_bounds(bucket: int) -> tuple[float, float]:
    if bucket == 0:
        return 0.0, 1.0
    return 2 ** ((bucket - 1) / BUCKETS_PER_OCTAVE), 2 ** (bucket / BUCKETS_PER_OCTAVE)


def contributions(journey: dict) -> Counter:
    """What one student adds to the summary: {(programme, stage, bucket): 1}. `journey` maps
    "programme" and each stage reached to when (None or missing: not reached)."""
    added: Counter = Counter()
    programme = journey["programme"]
    for index, stage in enumerate(FUNNEL_STAGES):
        if index and journey.get(stage) is None:  # every student counted is registered
            continue
        added[(programme, stage, REACHED)] += 1
        before = FUNNEL_STAGES[index - 1] if index else None
        if before and journey.get(before) is not None and journey.get(stage) is not None:
            added[(programme, stage, wait_bucket((journey[stage] - journey[before]).total_seconds()))] += 1
    return added


def change(before: dict | None, after: dict | None) -> dict:
    """The summary's change when a student's journey goes from `before` to `after` (None: the
    student is not counted: withdrawn, erased, not yet known)."""
    delta: Counter = Counter()
    if before is not None:
        delta.subtract(contributions(before))
    if after is not None:
        delta.update(contributions(after))
    return {key: n for key, n in delta.items() if n}


def _median(buckets: dict[int, int]) -> int | None:
    """The median of the waits the buckets count, read from the buckets (interpolated within the
    bucket geometrically by rank; the mean of the two middle ranks when the count is even)."""
    total = sum(buckets.values())
    if total <= 0:
        return None

    def at(rank: int) -> float:
        seen = 0
        for bucket in sorted(buckets):
            n = buckets[bucket]
            if rank < seen + n:
                low, high = _bucket_bounds(bucket)
                share = (rank - seen + 0.5) / n
                return low + (high - low) * share if bucket == 0 else low * (high / low) ** share
            seen += n
        raise AssertionError("rank beyond the count")

    return int((at((total - 1) // 2) + at(total // 2)) / 2)


def funnel_from_summary(programme: str, summary: dict[tuple[str, int], int]) -> list[dict]:
    """The funnel rows of a programme from its summary {(stage, bucket): students}."""
    rows = []
    for index, stage in enumerate(FUNNEL_STAGES):
        waits = {b: n for (s, b), n in summary.items() if s == stage and b != REACHED and n > 0}
        rows.append(
            {
                "programme": programme,
                "stage": stage,
                "count": summary.get((stage, REACHED), 0),
                "median_wait_seconds": _median(waits) if index else None,
            }
        )
    return rows
