"""Prometheus metrics of every service: the metric families, the helpers that record them, `/metrics`.

Every family is defined here, so docs/operations.md can list them and no two modules invent
the same one. Code records through the helpers (`message_handled(...)`, `observe_render(...)`),
never through the prometheus_client objects, so a label set is spelled in one place. One
process runs one service (`nameko run`); the `service` label still names it, because tests run
several containers in one process and Prometheus rules read better with it.
"""

from __future__ import annotations

import time
from contextlib import contextmanager

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram, generate_latest

# Latency buckets from 5 ms (an RPC read) to 2 min (a certificate render under load).
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
_HANDLER = ("service", "handler")

MESSAGES_HANDLED = Counter(
    "cim_messages_handled",
    "Events a handler applied and acknowledged (duplicates included: they succeed without effect).",
    _HANDLER,
)
MESSAGES_FAILED = Counter(
    "cim_messages_failed",
    "Deliveries that failed: the handler raised, or the message was malformed or undecodable.",
    _HANDLER,
)
MESSAGES_RETRIED = Counter("cim_messages_retried", "Failed deliveries sent to the retry queue.", _HANDLER)
MESSAGES_DEAD_LETTERED = Counter(
    "cim_messages_dead_lettered",
    "Messages parked in the dead-letter queue, by reason (exhausted, malformed, undecodable).",
    (*_HANDLER, "reason"),
)
HANDLING_SECONDS = Histogram(
    "cim_message_handling_seconds",
    "Time an event handler's worker took, success or failure.",
    _HANDLER,
    buckets=_BUCKETS,
)
RPC_SECONDS = Histogram(
    "cim_rpc_seconds",
    "Time an RPC method's worker took, by outcome (ok, error).",
    ("service", "method", "outcome"),
    buckets=_BUCKETS,
)
OUTBOX_BACKLOG = Gauge("cim_outbox_backlog", "Outbox rows not yet published (read at scrape).", ("service",))
OUTBOX_OLDEST_AGE = Gauge(
    "cim_outbox_oldest_age_seconds",
    "Age of the oldest unpublished outbox row, 0 when none (read at scrape).",
    ("service",),
)
OUTBOX_PUBLISHED = Counter("cim_outbox_published", "Events the outbox relay published (confirmed).", ("service",))
OUTBOX_FAILURES = Counter(
    "cim_outbox_publish_failures",
    "Outbox publications the broker did not confirm (the row stays and is tried again).",
    ("service",),
)
RENDER_SECONDS = Histogram(
    "cim_render_seconds", "Certificate PDF renders, by outcome (ok, failed, timeout).", ("outcome",), buckets=_BUCKETS
)
RENDER_POOL_SIZE = Gauge("cim_render_pool_size", "Render workers this replica may run at once.")
RENDER_POOL_BUSY = Gauge("cim_render_pool_busy", "Render workers busy now.")
HTTP_REQUESTS = Counter(
    "cim_http_requests", "Gateway HTTP requests, by route template, method and status.", ("route", "method", "status")
)
HTTP_SECONDS = Histogram(
    "cim_http_request_seconds",
    "Gateway HTTP request latency, by route template and method.",
    ("route", "method"),
    buckets=_BUCKETS,
)


# --- event handlers (shared.messaging) --------------------------------------------------------


def message_handled(service: str, handler: str, seconds: float):
    messages_handled(service, handler, [seconds])


def messages_handled(service: str, handler: str, seconds: list[float]):
    """A batch handled together: each delivery's time observed, the labels looked up once."""
    MESSAGES_HANDLED.labels(service, handler).inc(len(seconds))
    histogram = HANDLING_SECONDS.labels(service, handler)
    for value in seconds:
        histogram.observe(value)


def message_failed(service: str, handler: str, seconds: float | None = None):
    MESSAGES_FAILED.labels(service, handler).inc()
    if seconds is not None:
        HANDLING_SECONDS.labels(service, handler).observe(seconds)


def message_retried(service: str, handler: str):
    MESSAGES_RETRIED.labels(service, handler).inc()


def message_dead_lettered(service: str, handler: str, reason: str):
    MESSAGES_DEAD_LETTERED.labels(service, handler, reason).inc()


# --- RPC (shared.dependencies) and the outbox (shared.outbox) ---------------------------------


def observe_rpc(service: str, method: str, seconds: float, ok: bool):
    RPC_SECONDS.labels(service, method, "ok" if ok else "error").observe(seconds)


def observe_outbox(service: str, backlog: int, oldest_age_seconds: float):
    OUTBOX_BACKLOG.labels(service).set(backlog)
    OUTBOX_OLDEST_AGE.labels(service).set(max(0.0, oldest_age_seconds))


def outbox_published(service: str, count: int = 1):
    OUTBOX_PUBLISHED.labels(service).inc(count)


def outbox_publish_failed(service: str, count: int = 1):
    OUTBOX_FAILURES.labels(service).inc(count)


# --- certificate renders (called by services/certificates) ------------------------------------


def observe_render(seconds: float, outcome: str = "ok"):
    """One finished render: `outcome` is "ok", "failed" or "timeout"."""
    RENDER_SECONDS.labels(outcome).observe(seconds)


def set_render_pool_size(size: int):
    RENDER_POOL_SIZE.set(size)


# A timeout arrives as itself or as the cause of the render's own error (RenderFailed wraps
# subprocess's TimeoutExpired, whose green eventlet class is not the stdlib's: matched by name).
_TIMEOUTS = ("TimeoutError", "TimeoutExpired", "Timeout")


def _is_timeout(exc: BaseException) -> bool:
    return any(type(e).__name__ in _TIMEOUTS for e in (exc, exc.__cause__) if e is not None)


@contextmanager
def rendering():
    """Around one render: counts it busy while it runs and observes its time and outcome
    ("ok"; "timeout" when it or its cause is a timeout; else "failed"), re-raising."""
    RENDER_POOL_BUSY.inc()
    started = time.monotonic()
    outcome = "failed"
    try:
        yield
        outcome = "ok"
    except Exception as exc:
        outcome = "timeout" if _is_timeout(exc) else "failed"
        raise
    finally:
        RENDER_POOL_BUSY.dec()
        observe_render(time.monotonic() - started, outcome)


# --- the gateway's HTTP requests --------------------------------------------------------------


def observe_http(route: str, method: str, status: int, seconds: float):
    """`route` is the rule's template (`/v1/activities/<activity_id>`), never the raw path: one
    series per route, not one per id."""
    HTTP_REQUESTS.labels(route, method, str(status)).inc()
    HTTP_SECONDS.labels(route, method).observe(seconds)


# --- exposition -------------------------------------------------------------------------------


def exposition() -> tuple[int, dict, str]:
    """`GET /metrics` as a nameko http response (status, headers, text: nameko refuses bytes):
    the text format of this process's registry."""
    return 200, {"Content-Type": CONTENT_TYPE_LATEST}, generate_latest(REGISTRY).decode("utf-8")
