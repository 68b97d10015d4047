"""The metric helpers record into the right families with the right labels (shared/metrics.py)."""

from __future__ import annotations

import subprocess
import uuid

import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from shared import metrics


def sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def service():
    """A service name no other test uses, so counts start at zero."""
    return f"svc-{uuid.uuid4().hex[:8]}"


def test_a_handled_message_is_counted_and_timed_per_handler(service):
    metrics.message_handled(service, "on_a", 0.2)
    metrics.message_handled(service, "on_a", 0.3)
    metrics.message_handled(service, "on_b", 0.1)
    assert sample("cim_messages_handled_total", service=service, handler="on_a") == 2
    assert sample("cim_messages_handled_total", service=service, handler="on_b") == 1
    assert sample("cim_message_handling_seconds_count", service=service, handler="on_a") == 2
    assert sample("cim_message_handling_seconds_sum", service=service, handler="on_a") == pytest.approx(0.5)
    assert sample("cim_message_handling_seconds_bucket", service=service, handler="on_a", le="0.25") == 1


def test_a_batch_handled_together_counts_and_times_each_delivery(service):
    metrics.messages_handled(service, "on_a", [0.1, 0.2, 0.5])
    assert sample("cim_messages_handled_total", service=service, handler="on_a") == 3
    assert sample("cim_message_handling_seconds_count", service=service, handler="on_a") == 3
    assert sample("cim_message_handling_seconds_sum", service=service, handler="on_a") == pytest.approx(0.8)
    assert sample("cim_message_handling_seconds_bucket", service=service, handler="on_a", le="0.25") == 2


def test_failures_retries_and_dead_letters_are_counted_apart(service):
    metrics.message_failed(service, "on_a", 0.1)
    metrics.message_failed(service, "on_a")  # undecodable: no worker ran, nothing to time
    metrics.message_retried(service, "on_a")
    metrics.message_dead_lettered(service, "on_a", "exhausted")
    metrics.message_dead_lettered(service, "on_a", "malformed")
    assert sample("cim_messages_failed_total", service=service, handler="on_a") == 2
    assert sample("cim_message_handling_seconds_count", service=service, handler="on_a") == 1
    assert sample("cim_messages_retried_total", service=service, handler="on_a") == 1
    assert sample("cim_messages_dead_lettered_total", service=service, handler="on_a", reason="exhausted") == 1
    assert sample("cim_messages_handled_total", service=service, handler="on_a") == 0


def test_rpc_latency_is_split_by_outcome(service):
    metrics.observe_rpc(service, "inbox", 0.01, ok=True)
    metrics.observe_rpc(service, "inbox", 0.02, ok=False)
    assert sample("cim_rpc_seconds_count", service=service, method="inbox", outcome="ok") == 1
    assert sample("cim_rpc_seconds_count", service=service, method="inbox", outcome="error") == 1


def test_the_outbox_gauges_hold_the_last_reading_and_age_is_never_negative(service):
    metrics.observe_outbox(service, 7, 42.5)
    assert sample("cim_outbox_backlog", service=service) == 7
    assert sample("cim_outbox_oldest_age_seconds", service=service) == 42.5
    metrics.observe_outbox(service, 0, -0.001)  # clocks of database and service differ a little
    assert sample("cim_outbox_backlog", service=service) == 0
    assert sample("cim_outbox_oldest_age_seconds", service=service) == 0
    metrics.outbox_published(service, 3)
    metrics.outbox_publish_failed(service)
    assert sample("cim_outbox_published_total", service=service) == 3
    assert sample("cim_outbox_publish_failures_total", service=service) == 1


def test_a_render_is_timed_by_outcome_and_busy_only_while_it_runs():
    ok = sample("cim_render_seconds_count", outcome="ok")
    timeout = sample("cim_render_seconds_count", outcome="timeout")
    metrics.set_render_pool_size(4)
    with metrics.rendering():
        assert sample("cim_render_pool_busy") == 1
    with pytest.raises(TimeoutError):
        with metrics.rendering():
            raise TimeoutError
    with pytest.raises(ValueError):
        with metrics.rendering():
            raise ValueError
    with pytest.raises(RuntimeError):  # as services/certificates/pdf.py wraps a child's timeout
        with metrics.rendering():
            try:
                raise subprocess.TimeoutExpired(["render"], 60)
            except subprocess.TimeoutExpired as exc:
                raise RuntimeError("rendering the certificate failed") from exc
    metrics.observe_render(1.5)
    assert sample("cim_render_pool_busy") == 0 and sample("cim_render_pool_size") == 4
    assert sample("cim_render_seconds_count", outcome="ok") == ok + 2
    assert sample("cim_render_seconds_count", outcome="timeout") == timeout + 2
    assert sample("cim_render_seconds_count", outcome="failed") >= 1


def test_http_requests_are_counted_by_route_template_method_and_status():
    route = f"/v1/probe-{uuid.uuid4().hex[:6]}/<item_id>"
    metrics.observe_http(route, "GET", 200, 0.01)
    metrics.observe_http(route, "GET", 404, 0.02)
    metrics.observe_http(route, "GET", 200, 0.03)
    assert sample("cim_http_requests_total", route=route, method="GET", status="200") == 2
    assert sample("cim_http_requests_total", route=route, method="GET", status="404") == 1
    assert sample("cim_http_request_seconds_count", route=route, method="GET") == 3


def test_the_exposition_is_prometheus_text_a_nameko_http_entrypoint_can_return(service):
    metrics.message_handled(service, "on_a", 0.1)
    status, headers, body = metrics.exposition()
    assert status == 200 and headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert isinstance(body, str)
    names = {family.name for family in text_string_to_metric_families(body)}
    assert {
        "cim_messages_handled",
        "cim_message_handling_seconds",
        "cim_outbox_backlog",
        "cim_render_seconds",
        "cim_http_requests",
    } <= names
    assert f'cim_messages_handled_total{{handler="on_a",service="{service}"}} 1.0' in body
