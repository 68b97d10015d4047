"""Log records that carry the worker's correlation id, written as plain lines or as JSON.

nameko runs each worker (an HTTP request, an RPC call, an event) in its own green thread whose
stack starts in `ServiceContainer._run_worker(worker_ctx, ...)`. The filter finds that frame and
reads `worker_ctx.data["correlation_id"]` (set by the gateway's CorrelationId, carried by nameko
through RPC headers, and set from the event envelope by shared.messaging), so no service has to
do anything for its log lines to carry the id. Outside a worker the id is "-".

The filter also adds the event id while an event is handled, and the service's name.
`CIM_LOG_FORMAT=json` (the production overlay's setting) makes `console_formatter` write one
JSON object per line (time, level, service, logger, message, correlation_id, event_id, and the
exception when there is one); unset or `plain`, the plain line. Wired for every service in
config.yaml's LOGGING:
    filters: {correlation: {(): shared.logging.CorrelationIdFilter}}
    formatters: {console: {(): shared.logging.console_formatter, fmt: ...}}
    handlers: {console: {..., formatter: console, filters: [correlation]}}
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import datetime, timezone

NO_ID = "-"
_MAX_DEPTH = 200
LOG_FORMATS = ("plain", "json")
_service_name = NO_ID  # the process's service, once a container has started (note_service)


def note_service(name: str):
    """Remember this process's service for lines written outside a worker (start-up, the relay)."""
    global _service_name
    _service_name = name


def _run_worker_code():
    try:
        from nameko.containers import ServiceContainer
    except ImportError:  # pragma: no cover - nameko is always installed with the services
        return None
    return ServiceContainer._run_worker.__code__


_RUN_WORKER = _run_worker_code()


def current_worker():
    """The nameko worker context running on this (green) thread, or None."""
    frame = sys._getframe(1)
    depth = 0
    while frame is not None and depth < _MAX_DEPTH:
        if frame.f_code is _RUN_WORKER:
            return frame.f_locals.get("worker_ctx")
        frame = frame.f_back
        depth += 1
    return None


def _correlation_id(worker_ctx) -> str:
    if worker_ctx is None:
        return NO_ID
    data = getattr(worker_ctx, "data", None) or {}
    found = data.get("correlation_id") or getattr(worker_ctx, "call_id", None)
    return str(found) if found else NO_ID


def _event_id(worker_ctx) -> str | None:
    """The envelope's id when the worker handles an event (its first argument is an Envelope)."""
    args = getattr(worker_ctx, "args", None) or ()
    return getattr(args[0], "event_id", None) if args else None


def current_correlation_id() -> str:
    """The correlation id of the worker running on this (green) thread, or "-"."""
    return _correlation_id(current_worker())


class CorrelationIdFilter(logging.Filter):
    """Adds `correlation_id`, `event_id` (None outside an event) and `service` to every record
    passing the handler it is attached to."""

    def filter(self, record: logging.LogRecord) -> bool:
        worker_ctx = current_worker()
        if not getattr(record, "correlation_id", None):
            record.correlation_id = _correlation_id(worker_ctx)
        if not hasattr(record, "event_id"):
            record.event_id = _event_id(worker_ctx)
        if not getattr(record, "service", None):
            record.service = getattr(worker_ctx, "service_name", None) or _service_name
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line; fields a log pipeline can index."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": getattr(record, "service", None) or _service_name,
            "logger": record.name,
            "message": record.getMessage(),
            "correlation_id": getattr(record, "correlation_id", None) or NO_ID,
        }
        if getattr(record, "event_id", None):
            line["event_id"] = str(record.event_id)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def console_formatter(fmt: str, env=None) -> logging.Formatter:
    """The formatter `CIM_LOG_FORMAT` names (read when logging is configured, at start-up)."""
    env = os.environ if env is None else env
    chosen = (env.get("CIM_LOG_FORMAT") or "plain").lower()
    if chosen not in LOG_FORMATS:
        raise ValueError(f"CIM_LOG_FORMAT must be plain or json, got {chosen!r}")
    return JsonFormatter() if chosen == "json" else logging.Formatter(fmt)
