"""Every log line a service writes while handling a request or an event carries its correlation id
(shared/logging.py, wired in config.yaml), with no code in the service for it."""

import json
import logging
import logging.config
import uuid
from pathlib import Path

import pytest
import yaml
from nameko.rpc import rpc
from nameko.standalone.rpc import ServiceRpcProxy

from shared.db import utcnow
from shared.events import make_event
from shared.logging import CorrelationIdFilter, current_correlation_id
from shared.messaging import on_event
from shared.settings import REPO_ROOT
from tests.helpers import publish_raw, wait_until
from shared.events import STUDENT_WITHDRAWN

probe_log = logging.getLogger("cim.test.probe")


class ProbeService:
    name = "log_probe"

    @rpc
    def hello(self):
        probe_log.info("handling hello")
        return "ok"

    @on_event(STUDENT_WITHDRAWN)
    def on_withdrawn(self, event):
        probe_log.info("handling %s", event.event_type)


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__()
        self.addFilter(CorrelationIdFilter())
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def captured():
    handler = _Capture()
    probe_log.addHandler(handler)
    probe_log.setLevel(logging.INFO)
    yield handler.records
    probe_log.removeHandler(handler)


def test_a_log_line_written_while_handling_an_rpc_call_carries_its_correlation_id(
    container_factory, rabbit_config, captured
):
    container = container_factory(ProbeService, rabbit_config)
    container.start()
    cid = f"req-{uuid.uuid4().hex}"
    with ServiceRpcProxy("log_probe", rabbit_config, context_data={"correlation_id": cid}) as proxy:
        assert proxy.hello() == "ok"
    assert [(r.getMessage(), r.correlation_id) for r in captured] == [("handling hello", cid)]


def test_a_log_line_written_while_handling_an_event_carries_the_envelopes_correlation_id(
    container_factory, rabbit_config, captured
):
    container = container_factory(ProbeService, {**rabbit_config, "CIM_RETRY_DELAY_MS": "200"})
    container.start()
    cid = f"evt-{uuid.uuid4().hex}"
    envelope = make_event(
        "student.withdrawn.v1",
        {"student_id": "s-1", "withdrawn_at": utcnow()},
        producer="registration",
        correlation_id=cid,
    )
    publish_raw(
        rabbit_config["AMQP_URI"],
        "registration",
        "student.withdrawn.v1",
        json.dumps(envelope).encode(),
        "application/json",
    )
    wait_until(lambda: captured, message="the handler logged")
    assert [(r.getMessage(), r.correlation_id) for r in captured] == [("handling student.withdrawn.v1", cid)]


def test_outside_a_worker_the_id_is_a_dash(captured):
    probe_log.info("at start-up")
    assert captured[0].correlation_id == "-" and current_correlation_id() == "-"


def test_config_yaml_puts_the_id_in_every_line_of_every_service(tmp_path):
    """The LOGGING section nameko applies (`nameko run --config config.yaml`) formats with it."""
    config = yaml.safe_load((REPO_ROOT / "config.yaml").read_text().replace("${LOG_LEVEL:INFO}", "INFO"))
    logging_config = config["LOGGING"]
    out = tmp_path / "log.txt"
    logging_config["handlers"]["console"] = {
        **logging_config["handlers"]["console"],
        "class": "logging.FileHandler",
        "filename": str(out),
    }
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        logging.config.dictConfig(logging_config)
        logging.getLogger("cim.test.config").warning("a line")
    finally:
        for handler in root.handlers:
            handler.close()
        root.handlers[:], root.level = saved
    assert Path(out).read_text().rstrip().endswith("cim.test.config [-]: a line")
