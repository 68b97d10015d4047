"""`CIM_LOG_FORMAT=json`: config.yaml's LOGGING writes one parseable JSON object per line, with
the service, level, logger, message, time, the worker's correlation id and, while an event is
handled, its event id; unset, the plain line stays (shared/logging.py)."""

from __future__ import annotations

import json
import logging
import logging.config
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from nameko.containers import ServiceContainer

from shared.events import Envelope
from shared.logging import console_formatter
from shared.settings import REPO_ROOT


@pytest.fixture
def configured(tmp_path, monkeypatch):
    """config.yaml's LOGGING applied as `nameko run` applies it, into a file; returns a reader."""

    def configure(log_format: str | None):
        if log_format is None:
            monkeypatch.delenv("CIM_LOG_FORMAT", raising=False)
        else:
            monkeypatch.setenv("CIM_LOG_FORMAT", log_format)
        text = (REPO_ROOT / "config.yaml").read_text().replace("${LOG_LEVEL:INFO}", "INFO")
        config = yaml.safe_load(text)["LOGGING"]
        config["handlers"]["console"] = {
            **config["handlers"]["console"],
            "class": "logging.FileHandler",
            "filename": str(out),
        }
        logging.config.dictConfig(config)
        return lambda: Path(out).read_text().splitlines()

    out = tmp_path / "log.txt"
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    yield configure
    for handler in root.handlers:
        handler.close()
    root.handlers[:], root.level = saved


def run_in_worker(function, *args, correlation_id="c-42", service="registration"):
    """Runs `function(*args)` inside nameko's real `ServiceContainer._run_worker` frame (what the
    filter looks for), with a minimal container and worker context instead of a broker."""
    container = SimpleNamespace(
        _inject_dependencies=lambda ctx: None,
        _worker_setup=lambda ctx: None,
        _worker_result=lambda ctx, result, exc_info: None,
        _worker_teardown=lambda ctx: None,
    )
    worker_ctx = SimpleNamespace(
        call_id_stack=["probe.call.1"],
        call_id="probe.call.1",
        data={"correlation_id": correlation_id},
        entrypoint=SimpleNamespace(method_name="run", expected_exceptions=()),
        service=SimpleNamespace(run=function),
        args=args,
        kwargs={},
        service_name=service,
    )
    ServiceContainer._run_worker(container, worker_ctx, None)


def an_envelope() -> Envelope:
    return Envelope(
        event_id="8c0f7d4e-0000-4000-8000-000000000001",
        event_type="student.withdrawn.v1",
        occurred_at=datetime(2026, 1, 1),
        producer="registration",
        correlation_id="c-42",
        data={},
    )


def test_json_lines_carry_the_correlation_id_and_the_event_id_of_the_event_handled(configured):
    read = configured("json")
    log = logging.getLogger("cim.test.json")
    run_in_worker(lambda event: log.info("handled %s", event.event_type), an_envelope())
    run_in_worker(lambda: log.warning("an rpc call"), correlation_id="c-43", service="approvals")
    first, second = [json.loads(line) for line in read()]
    assert {k: first[k] for k in ("level", "service", "logger", "message", "correlation_id", "event_id")} == {
        "level": "INFO",
        "service": "registration",
        "logger": "cim.test.json",
        "message": "handled student.withdrawn.v1",
        "correlation_id": "c-42",
        "event_id": "8c0f7d4e-0000-4000-8000-000000000001",
    }
    assert datetime.fromisoformat(first["time"]).tzinfo is not None
    assert second["correlation_id"] == "c-43" and second["service"] == "approvals"
    assert "event_id" not in second


def test_an_exception_stays_inside_its_one_json_line(configured):
    read = configured("JSON")
    try:
        raise ValueError("bad\nthing")
    except ValueError:
        logging.getLogger("cim.test.json").exception("it failed")
    [line] = read()
    entry = json.loads(line)
    assert entry["message"] == "it failed" and entry["correlation_id"] == "-"
    assert "ValueError: bad" in entry["exception"]


def test_without_cim_log_format_the_plain_line_stays(configured):
    read = configured(None)
    run_in_worker(lambda: logging.getLogger("cim.test.plain").info("a line"))
    [line] = read()
    assert line.endswith("INFO cim.test.plain [c-42]: a line")


def test_an_unknown_log_format_is_refused():
    with pytest.raises(ValueError, match="plain or json"):
        console_formatter("%(message)s", env={"CIM_LOG_FORMAT": "yaml"})
