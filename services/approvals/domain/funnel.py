"""The programme funnel: how many students reached each stage, and how long they waited for it."""

from __future__ import annotations

import statistics


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
