"""The retention of events as configured: days from the settings, never below the redelivery window."""

import pytest

from shared.event_retention import (
    DEFAULT_OUTBOX_DAYS,
    DEFAULT_PROCESSED_DAYS,
    MINIMUM_PROCESSED_DAYS,
    event_retention,
    minimum_processed_days,
    redelivery_window_days,
)


def test_the_defaults_keep_a_month():
    retention = event_retention("activities", {}, env={})
    assert (retention.outbox_days, retention.processed_days) == (DEFAULT_OUTBOX_DAYS, DEFAULT_PROCESSED_DAYS)


def test_days_are_read_per_service_first():
    env = {"CIM_OUTBOX_DAYS": "10", "CAMPUS_CIM_OUTBOX_DAYS": "3", "CIM_PROCESSED_EVENT_DAYS": "9"}
    assert event_retention("campus", {}, env=env).outbox_days == 3
    assert event_retention("ceremony", {}, env=env).outbox_days == 10
    assert event_retention("ceremony", {}, env=env).processed_days == 9


def test_dedupe_keys_kept_for_less_than_the_minimum_refuse_to_start():
    with pytest.raises(ValueError, match=f"CIM_PROCESSED_EVENT_DAYS must be at least {MINIMUM_PROCESSED_DAYS} days"):
        event_retention("registration", {}, env={"CIM_PROCESSED_EVENT_DAYS": str(MINIMUM_PROCESSED_DAYS - 1)})
    assert event_retention("registration", {}, env={"CIM_PROCESSED_EVENT_DAYS": str(MINIMUM_PROCESSED_DAYS)})


def test_a_retry_window_longer_than_the_floor_raises_the_minimum():
    # 20 attempts a day apart: a copy may come back 20 days later
    env = {"CIM_RETRY_LIMIT": "20", "CIM_RETRY_DELAY_MS": str(86_400_000), "CIM_PROCESSED_EVENT_DAYS": "19"}
    assert redelivery_window_days(20, 86_400_000) == 20
    assert minimum_processed_days(20, 86_400_000) == 20
    with pytest.raises(ValueError, match="at least 20 days"):
        event_retention("approvals", {}, env=env)
    assert minimum_processed_days(5, 1000) == MINIMUM_PROCESSED_DAYS  # the defaults: 5 seconds


@pytest.mark.parametrize("value", ["0", "-3", "soon"])
def test_days_that_are_not_a_positive_whole_number_are_refused(value):
    with pytest.raises(ValueError, match="CIM_OUTBOX_DAYS"):
        event_retention("notifications", {}, env={"CIM_OUTBOX_DAYS": value})
