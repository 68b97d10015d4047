"""Prometheus scrapes every service's `/metrics`: a ServiceMonitor per service, through a Service
that selects the service's pods on the port its Deployment serves, admitted by its NetworkPolicy."""

from __future__ import annotations

import copy

import pytest

from shared.topology import SERVICES
from tests.unit.test_k8s_manifests import cr_errors
from tests.unit.test_k8s_rendering import documents


@pytest.mark.parametrize("target", ["dev", "production"])
def test_every_service_is_scraped_on_its_http_port_at_metrics(target):
    docs = documents(target)
    by_kind = lambda kind: {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}
    deployments, services = by_kind("Deployment"), by_kind("Service")
    monitors, policies = by_kind("ServiceMonitor"), by_kind("NetworkPolicy")
    expected = list(SERVICES) + (["campus"] if target.endswith("campus") else [])
    for name in expected:
        monitor = monitors[f"cim-{name}"]
        assert cr_errors(monitor) == []
        [endpoint] = monitor["spec"]["endpoints"]
        assert endpoint["path"] == "/metrics"
        selected = [
            s
            for s in services.values()
            if monitor["spec"]["selector"]["matchLabels"].items() <= s["metadata"].get("labels", {}).items()
        ]
        assert [s["metadata"]["name"] for s in selected] == [f"cim-{name}-metrics"]
        service = selected[0]
        pod = deployments[f"cim-{name}"]["spec"]["template"]
        assert service["spec"]["selector"].items() <= pod["metadata"]["labels"].items()
        [port] = [p for p in service["spec"]["ports"] if p["name"] == endpoint["port"]]
        container = pod["spec"]["containers"][0]
        [container_port] = [p for p in container["ports"] if p["name"] == port["targetPort"]]
        policy = policies[f"cim-{name}"]
        admits = [
            rule
            for rule in policy["spec"]["ingress"]
            if {"protocol": "TCP", "port": container_port["containerPort"]} in rule["ports"]
            and {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}} in rule["from"]
        ]
        assert admits, f"{name}: Prometheus (namespace monitoring) may not reach /metrics"


@pytest.mark.parametrize(
    "path, value",
    [
        (("spec", "endpoints", 0, "interval"), "30 seconds"),
        (("spec", "endpoints", 0, "paht"), "/metrics"),
        (("spec", "selector", "matchLabel"), {"a": "b"}),
    ],
)
def test_a_wrong_field_in_a_service_monitor_is_refused(path, value):
    doc = copy.deepcopy(next(d for d in documents("production") if d["kind"] == "ServiceMonitor"))
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert cr_errors(doc)


def test_production_logs_json_and_declares_quorum_queues():
    [config] = [
        d for d in documents("production") if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "cim-config"
    ]
    assert config["data"]["CIM_LOG_FORMAT"] == "json"
    assert config["data"]["CIM_QUEUE_TYPE"] == "quorum"
