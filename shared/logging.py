"""The correlation id of the current worker in every log record (`%(correlation_id)s`).

nameko runs each worker (an HTTP request, an RPC call, an event) in its own green thread whose
stack starts in `ServiceContainer._run_worker(worker_ctx, ...)`. The filter finds that frame and
reads `worker_ctx.data["correlation_id"]` (set by the gateway's CorrelationId, carried by nameko
through RPC headers, and set from the event envelope by shared.messaging), so no service has to
do anything for its log lines to carry the id. Outside a worker the id is "-".

Wired for every service in config.yaml's LOGGING:
    filters: {correlation: {(): shared.logging.CorrelationIdFilter}}
    handlers: {console: {..., filters: [correlation]}}
"""
from __future__ import annotations

import logging
import sys

NO_ID = "-"
_MAX_DEPTH = 200


def _run_worker_code():
    try:
        from nameko.containers import ServiceContainer
    except ImportError:  # pragma: no cover - nameko is always installed with the services
        return None
    return ServiceContainer._run_worker.__code__


_RUN_WORKER = _run_worker_code()


def current_correlation_id() -> str:
    """The correlation id of the worker running on this (green) thread, or "-"."""
    frame = sys._getframe(1)
    depth = 0
    while frame is not None and depth < _MAX_DEPTH:
        if frame.f_code is _RUN_WORKER:
            worker_ctx = frame.f_locals.get("worker_ctx")
            data = getattr(worker_ctx, "data", None) or {}
            found = data.get("correlation_id") or getattr(worker_ctx, "call_id", None)
            return str(found) if found else NO_ID
        frame = frame.f_back
        depth += 1
    return NO_ID


class CorrelationIdFilter(logging.Filter):
    """Adds `correlation_id` to every record passing the handler it is attached to."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "correlation_id", None):
            record.correlation_id = current_correlation_id()
        return True
