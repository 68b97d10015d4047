"""The mail server refusing the first attempts and disconnecting mid-message: in the end each
email is delivered exactly once (notifications retries what the server did not take)."""

import sys

from cim import platform
from tests.faults import scenario

REFUSALS = 6


def test_a_refusing_then_disconnecting_mail_server_still_gets_each_email_exactly_once(faults_platform, figures):
    layout, port = faults_platform.layout, int(faults_platform.env["SMTP_PORT"])
    failed_before = _failed_attempts(faults_platform)
    platform.stop(layout, "smtp")
    platform._spawn(
        "smtp",
        [sys.executable, "-m", "tests.faults.flaky_smtp", str(port), str(layout.mail), str(REFUSALS)],
        dict(faults_platform.env),
        layout,
    )
    try:
        result = scenario.run(
            faults_platform, figures, f"mail server: {REFUSALS} x 451, one drop mid-message", fault=lambda: None
        )
    finally:
        platform.stop(layout, "smtp")
        platform.start_smtp_sink(layout, port)
    assert result.holds(), result.summary()
    # every refusal was a failed try notifications logged and tried again; the drop one more
    # (and the moments the servers were swapped may have added a few "unreachable")
    refused, failed = _failed_attempts(faults_platform)
    assert refused - failed_before[0] == REFUSALS
    assert failed - failed_before[1] >= REFUSALS + 1


def _failed_attempts(platform_) -> tuple[int, int]:
    """(tries the server answered 451, all failed tries) so far."""
    return tuple(
        platform_.query(
            "notifications",
            "SELECT count(*) FILTER (WHERE error LIKE '%451%'), count(*) FROM delivery_log WHERE outcome <> 'sent'",
        )[0]
    )
