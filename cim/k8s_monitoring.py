"""The Prometheus Operator objects for the services' `/metrics`, written into the generated manifests.

Each service gets a headless Service over its pods' `http` port (the gateway's public Service is
left alone, so its pods are not scraped twice) and a ServiceMonitor that scrapes `/metrics`
through it. The services' NetworkPolicies already admit namespace `monitoring` on that port.
"""

from __future__ import annotations

METRICS_LABEL = {"cim.example.org/metrics": "true"}
SCRAPE_INTERVAL = "30s"


def metrics_service(name: str, port: int, labels: dict) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": f"cim-{name}-metrics", "labels": {**labels, **METRICS_LABEL}},
        "spec": {
            "clusterIP": "None",
            "selector": {"app.kubernetes.io/name": f"cim-{name}"},
            "ports": [{"name": "http", "port": port, "targetPort": "http", "protocol": "TCP"}],
        },
    }


def service_monitor(name: str, labels: dict) -> dict:
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": {"name": f"cim-{name}", "labels": labels},
        "spec": {
            "selector": {"matchLabels": {"app.kubernetes.io/name": f"cim-{name}", **METRICS_LABEL}},
            "endpoints": [
                {
                    "port": "http",
                    "path": "/metrics",
                    "scheme": "http",
                    "interval": SCRAPE_INTERVAL,
                    "scrapeTimeout": "10s",
                }
            ],
        },
    }


def monitoring(name: str, port: int, labels: dict) -> list[dict]:
    return [metrics_service(name, port, labels), service_monitor(name, labels)]
