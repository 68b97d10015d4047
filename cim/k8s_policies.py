"""The manifests that bound what each service's pods may do: disruption budgets, network
policies (default deny is in base/), and KEDA's scaling on queue length. Built from cim.k8s's
service list; written out by `python -m cim.k8s`."""

from __future__ import annotations

from cim.k8s import PG_CLUSTER, RABBITMQ_CLUSTER, VHOST, Service, labels
from shared import broker_access


def pod_disruption_budget(service: Service) -> dict:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": f"cim-{service.name}", "labels": labels(service.name)},
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app.kubernetes.io/name": f"cim-{service.name}"}}},
    }


def dns_egress() -> dict:
    return {
        "to": [{"namespaceSelector": {}, "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
    }


def broker_egress() -> dict:
    return {
        "to": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": RABBITMQ_CLUSTER}}}],
        "ports": [{"protocol": "TCP", "port": 5672}],
    }


def postgres_egress() -> dict:
    return {
        "to": [{"podSelector": {"matchLabels": {"cnpg.io/cluster": PG_CLUSTER}}}],
        "ports": [{"protocol": "TCP", "port": 5432}],
    }


def network_policy(service: Service) -> dict:
    """What this service's pods may reach, and who may reach them (default deny is separate)."""
    egress = [dns_egress(), broker_egress()]
    if service.database:
        egress.append(postgres_egress())
    if service.name == "gateway":
        egress.append(
            {
                "to": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "cim-redis"}}}],
                "ports": [{"protocol": "TCP", "port": 6379}],
            }
        )
        # the identity provider's JWKS, outside the cluster
        egress.append({"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"protocol": "TCP", "port": 443}]})
    if service.name == "notifications":
        egress.append(
            {
                "to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}],
                "ports": [{"protocol": "TCP", "port": p} for p in (25, 465, 587)],
            }
        )
    ingress_from = [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}]
    if service.name == "gateway":
        ingress_from.append({"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}})
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": f"cim-{service.name}", "labels": labels(service.name)},
        "spec": {
            "podSelector": {"matchLabels": {"app.kubernetes.io/name": f"cim-{service.name}"}},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [{"from": ingress_from, "ports": [{"protocol": "TCP", "port": service.port}]}],
            "egress": egress,
        },
    }


def scaled_object(service: Service, queue_regex: str) -> dict:
    """KEDA: scale on the messages waiting in the service's own queues (summed)."""
    return {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": {"name": f"cim-{service.name}", "labels": labels(service.name)},
        "spec": {
            "scaleTargetRef": {"name": f"cim-{service.name}"},
            "minReplicaCount": 2,
            "maxReplicaCount": 8,
            "pollingInterval": 15,
            "cooldownPeriod": 300,
            "triggers": [
                {
                    "type": "rabbitmq",
                    "metadata": {
                        "protocol": "http",
                        "mode": "QueueLength",
                        "value": "50",
                        "vhostName": VHOST,
                        "queueName": queue_regex,
                        "useRegex": "true",
                        "operation": "sum",
                    },
                    "authenticationRef": {"name": "cim-keda-rabbitmq"},
                }
            ],
        },
    }


def consumer_queue_regex(access: broker_access.BrokerAccess) -> str:
    """The queues the service consumes that hold work (its event queues, not RPC or replies)."""
    read = [
        g.pattern
        for g in access.read
        if g.reason.startswith("consume:") and not g.pattern.startswith(("rpc", "nameko"))
    ]
    return "^(" + "|".join(sorted(read)) + ")$"
