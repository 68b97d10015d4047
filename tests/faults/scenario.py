"""One fault scenario: a batch of journeys, a fault injected once part of it is through, then
the accounting, recorded as a row of the figures table."""

from __future__ import annotations

import os
import threading
import time

from tests.faults.accounting import Accounting, account, letter_ids
from tests.faults.workload import Batch

BATCH = int(os.environ.get("CIM_FAULT_BATCH", "20"))  # journeys per scenario; docs/reliability.md says why


def run(
    platform_,
    figures: list,
    name: str,
    fault,
    size: int = BATCH,
    after: int | None = None,
    poison=None,
    poison_marker: str | None = None,
) -> Accounting:
    """`fault()` runs once `after` journeys are through (the rest in flight); `poison()`, if
    given, runs as the batch starts (its messages carry `poison_marker`)."""
    after = max(1, size // 3) if after is None else after  # a third through, the rest in flight
    before = letter_ids(platform_)
    started = time.monotonic()
    batch = Batch(platform_.gateway_url, platform_.secret, size)
    reached = threading.Event()

    def progress(done):
        if done >= after:
            reached.set()

    driver = threading.Thread(target=lambda: batch.run(progress), daemon=True)
    driver.start()
    if poison is not None:
        poison()
    if not reached.wait(timeout=600):
        raise AssertionError(f"{name}: {after} journeys not through in 600s: {batch.failures[:3]}")
    fault()
    driver.join(timeout=900)
    result = account(platform_, name, batch, started, before, poison_marker)
    figures.append(result.row())
    print(f"\n{name}: {result.summary()}")
    return result
