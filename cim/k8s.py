"""Writes the per-service Kubernetes manifests and the broker-access table from the code.

`python -m cim.k8s` rewrites `deploy/k8s/base/generated/`, `deploy/k8s/components/campus/generated/`
and the broker table in `docs/operations.md`; tests/unit/test_k8s_generated.py fails when the
committed files differ from what this writes (run it again after changing a service).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from cim.k8s_monitoring import monitoring
from shared import broker_access
from shared.migrations import SERVICES_WITH_DATABASE as ALL_DATABASES
from shared.settings import REPO_ROOT
from shared.topology import SERVICES

# The campus edge's database, user and Deployment are in its own component (components/campus).
SERVICES_WITH_DATABASE = tuple(s for s in ALL_DATABASES if s != broker_access.CAMPUS_SERVICE)

K8S = REPO_ROOT / "deploy" / "k8s"
BASE_OUT = K8S / "base" / "generated"
CAMPUS_OUT = K8S / "components" / "campus" / "generated"
DEV_OUT = K8S / "overlays" / "dev" / "generated"
DOCS = REPO_ROOT / "docs" / "operations.md"
TABLE_BEGIN = "<!-- broker-access table: written by `python -m cim.k8s`, do not edit -->"
TABLE_END = "<!-- end of broker-access table -->"

IMAGE = "cim-platform"  # the overlays pin the registry and tag (kustomize `images:`)
RABBITMQ_CLUSTER = "cim-rabbitmq"
VHOST = "cim"
PG_CLUSTER = "cim-postgres"
PART_OF = {"app.kubernetes.io/part-of": "cim"}
RENDER_TIMEOUT_S = 60  # CIM_RENDER_TIMEOUT_S in the ConfigMap
GRACE_S = RENDER_TIMEOUT_S + 30  # an in-flight render finishes, then nameko stops its workers
SMTP_SECRET = "cim-smtp"
QUEUE_SCALED = ("certificates", "notifications")  # consumers that can fall behind (KEDA)


@dataclass(frozen=True)
class Service:
    name: str
    port: int
    module: str  # what `nameko run` is given
    database: bool
    keys: bool = False  # certificates' seal and badge keys
    mail: bool = False  # notifications' login at the mail server (secret cim-smtp)

    @property
    def command(self) -> list[str]:
        return ["nameko", "run", self.module, "--config", "config.yaml"]


def services(with_campus: bool = False) -> list[Service]:
    """Every service with its port (docker-compose.yml) and `nameko run` target."""
    from shared.topology import service_class

    ports = {
        "gateway": 8000,
        "registration": 8001,
        "activities": 8002,
        "approvals": 8003,
        "ceremony": 8004,
        "certificates": 8005,
        "notifications": 8006,
    }
    out = []
    for name in (s for s in SERVICES if s != broker_access.CAMPUS_SERVICE):  # its own component
        cls = service_class(name)
        out.append(
            Service(
                name,
                ports[name],
                f"{cls.__module__}:{cls.__name__}",
                database=name in ALL_DATABASES,
                keys=name == "certificates",
                mail=name == "notifications",
            )
        )
    if with_campus:
        out.append(campus_service())
    return out


def campus_service() -> Service:
    return Service(broker_access.CAMPUS_SERVICE, 8007, "services.campus.service", database=True)


def labels(service: str) -> dict:
    return {"app.kubernetes.io/name": f"cim-{service}", "app.kubernetes.io/component": service, **PART_OF}


def secret_env(name: str, secret: str, key: str) -> dict:
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}


def amqp_env(user: str) -> list[dict]:
    """AMQP_URI composed from the broker user's credentials secret (`$(VAR)` composition)."""
    secret = f"cim-amqp-{user}"
    return [
        secret_env("AMQP_USERNAME", secret, "username"),
        secret_env("AMQP_PASSWORD", secret, "password"),
        {"name": "AMQP_URI", "value": f"amqp://$(AMQP_USERNAME):$(AMQP_PASSWORD)@{RABBITMQ_CLUSTER}:5672/{VHOST}"},
    ]


def database_env(service: str, variable: str = "DATABASE_URL", prefix: str = "DB") -> list[dict]:
    """DATABASE_URL from the service role's secret (the one CloudNativePG's managed role reads)."""
    secret = f"cim-db-{service}"
    return [
        secret_env(f"{prefix}_USERNAME", secret, "username"),
        secret_env(f"{prefix}_PASSWORD", secret, "password"),
        {
            "name": variable,
            "value": f"postgresql://$({prefix}_USERNAME):$({prefix}_PASSWORD)@{PG_CLUSTER}-rw:5432/cim_{service}",
        },
    ]


POD_SECURITY = {
    "runAsNonRoot": True,
    "runAsUser": 10001,
    "runAsGroup": 10001,
    "fsGroup": 10001,
    "seccompProfile": {"type": "RuntimeDefault"},
}
CONTAINER_SECURITY = {
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "privileged": False,
    "runAsNonRoot": True,
    "capabilities": {"drop": ["ALL"]},
}
# Writable places on a read-only root: /tmp (WeasyPrint, tempfile), fontconfig's cache
# (XDG_CACHE_HOME) and CIM_DATA_DIR. Documents are kept in PostgreSQL, not here
# (docs/operations.md, "Where documents live"), so these are emptyDirs.
SCRATCH_VOLUMES = [("tmp", "/tmp"), ("cache", "/var/cache/cim"), ("data", "/var/lib/cim")]


def wait_init(service: Service) -> dict:
    """Waits for the broker, the service's database and its migrations (the Job's work)."""
    args = ["python", "/opt/cim-wait/wait_for_dependencies.py"]
    if service.database:
        args += ["--migrated", service.name]
    env = amqp_env(service.name) + (database_env(service.name) if service.database else [])
    return {
        "name": "wait-for-dependencies",
        "image": IMAGE,
        "imagePullPolicy": "Always",
        "command": args,
        "env": env,
        "resources": {"requests": {"cpu": "50m", "memory": "128Mi"}, "limits": {"cpu": "200m", "memory": "256Mi"}},
        "securityContext": CONTAINER_SECURITY,
        "volumeMounts": [
            {"name": "wait-script", "mountPath": "/opt/cim-wait", "readOnly": True},
            {"name": "tmp", "mountPath": "/tmp"},
        ],
    }


def deployment(service: Service) -> dict:
    env = [
        {"name": "WEB_SERVER_ADDRESS", "value": f"0.0.0.0:{service.port}"},
        {"name": "XDG_CACHE_HOME", "value": "/var/cache/cim"},
    ]
    env += amqp_env(service.name)
    if service.database:
        env += database_env(service.name)
    mounts = [{"name": name, "mountPath": path} for name, path in SCRATCH_VOLUMES]
    volumes = [{"name": name, "emptyDir": {"sizeLimit": "256Mi"}} for name, _ in SCRATCH_VOLUMES]
    volumes.append({"name": "wait-script", "configMap": {"name": "cim-wait-script"}})
    if service.mail:  # the relay's login; SMTP_SECURITY etc. are in the ConfigMap
        env += [
            secret_env("SMTP_USERNAME", SMTP_SECRET, "username"),
            secret_env("SMTP_PASSWORD", SMTP_SECRET, "password"),
        ]
    if service.keys:
        env += [
            {"name": "CIM_SEAL_KEY_FILE", "value": "/etc/cim/keys/seal.key"},
            {"name": "CIM_SEAL_CERT_FILE", "value": "/etc/cim/keys/seal.crt"},
            {"name": "CIM_BADGE_KEY_FILE", "value": "/etc/cim/keys/badge.key"},
        ]
        mounts.append({"name": "signing-keys", "mountPath": "/etc/cim/keys", "readOnly": True})
        volumes.append(
            {"name": "signing-keys", "secret": {"secretName": "cim-certificates-keys", "defaultMode": 0o440}}
        )
    heavy = service.name in ("certificates", "ceremony")
    probe = {"httpGet": {"path": "/health", "port": "http"}, "timeoutSeconds": 5}
    container = {
        "name": service.name,
        "image": IMAGE,
        "imagePullPolicy": "Always",
        # exec form: nameko is PID 1 and receives SIGTERM itself
        "command": service.command,
        "ports": [{"name": "http", "containerPort": service.port, "protocol": "TCP"}],
        "envFrom": [{"configMapRef": {"name": "cim-config"}}],
        "env": env,
        "readinessProbe": {**probe, "periodSeconds": 10, "failureThreshold": 3},
        # /health also reports the broker and database: a long failure count, so an outage of
        # either does not restart every pod at once
        "livenessProbe": {**probe, "initialDelaySeconds": 30, "periodSeconds": 20, "failureThreshold": 6},
        "resources": {
            "requests": {"cpu": "250m" if heavy else "100m", "memory": "512Mi" if heavy else "256Mi"},
            "limits": {"cpu": "1", "memory": "1Gi" if heavy else "512Mi"},
        },
        "securityContext": CONTAINER_SECURITY,
        "volumeMounts": mounts,
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": f"cim-{service.name}", "labels": labels(service.name)},
        "spec": {
            "replicas": 2,
            "revisionHistoryLimit": 5,
            "selector": {"matchLabels": {"app.kubernetes.io/name": f"cim-{service.name}"}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
            "template": {
                "metadata": {"labels": labels(service.name)},
                "spec": {
                    "serviceAccountName": "cim",
                    "automountServiceAccountToken": False,
                    "enableServiceLinks": False,
                    "terminationGracePeriodSeconds": GRACE_S,
                    "securityContext": POD_SECURITY,
                    "initContainers": [wait_init(service)],
                    "containers": [container],
                    "volumes": volumes,
                },
            },
        },
    }


def database(service: str) -> dict:
    return {
        "apiVersion": "postgresql.cnpg.io/v1",
        "kind": "Database",
        "metadata": {"name": f"cim-{service}", "labels": PART_OF},
        "spec": {
            "name": f"cim_{service}",
            "owner": f"cim_{service}",
            "ensure": "present",
            "cluster": {"name": PG_CLUSTER},
        },
    }


def managed_roles(names) -> list[dict]:
    """CloudNativePG managed roles: one login role per service database, password from a
    basic-auth secret `cim-db-<service>` (which the services read too)."""
    return [
        {
            "name": f"cim_{service}",
            "ensure": "present",
            "login": True,
            "inherit": True,
            "connectionLimit": 50,
            "passwordSecret": {"name": f"cim-db-{service}"},
            "comment": f"the {service} service",
        }
        for service in names
    ]


SYNC_WAVE = "argocd.argoproj.io/sync-wave"


def with_wave(doc: dict, wave: int) -> dict:
    doc.setdefault("metadata", {}).setdefault("annotations", {})[SYNC_WAVE] = str(wave)
    return doc


def base_documents() -> dict[str, list[dict]]:
    from cim import k8s_jobs

    from cim.k8s_policies import consumer_queue_regex, network_policy, pod_disruption_budget, scaled_object

    svcs = services()
    accesses = broker_access.all_access(with_campus=False)
    files = {
        "deployments.yaml": [d for s in svcs for d in (deployment(s), pod_disruption_budget(s))],
        "network-policies.yaml": [network_policy(s) for s in svcs],
        "monitoring.yaml": [d for s in svcs for d in monitoring(s.name, s.port, labels(s.name))],
        "broker-users.yaml": [with_wave(d, -2) for a in accesses.values() for d in k8s_jobs.broker_user(a)]
        + [
            with_wave(d, -2)
            for d in k8s_jobs.broker_user(broker_access.BrokerAccess(user="keda"), tags=("monitoring",))
        ],
        "databases.yaml": [with_wave(database(s), -2) for s in SERVICES_WITH_DATABASE],
        "migrate-job.yaml": [k8s_jobs.migrate_job()],
        "managed-roles.yaml": [
            {"op": "add", "path": "/spec/managed", "value": {"roles": managed_roles(SERVICES_WITH_DATABASE)}}
        ],
        "scaled-objects.yaml": [
            scaled_object(s, consumer_queue_regex(accesses[s.name])) for s in svcs if s.name in QUEUE_SCALED
        ],
    }
    return files


def campus_documents() -> dict[str, list[dict]]:
    from cim import k8s_jobs

    from cim.k8s_policies import consumer_queue_regex, network_policy, pod_disruption_budget, scaled_object

    campus = campus_service()
    edge = broker_access.campus_edge_access()
    users = [edge] + [broker_access.campus_publisher_access(s) for s in broker_access.CAMPUS_SOURCES]
    return {
        "campus.yaml": [
            deployment(campus),
            pod_disruption_budget(campus),
            network_policy(campus),
            *monitoring(campus.name, campus.port, labels(campus.name)),
            scaled_object(campus, consumer_queue_regex(edge)),
            with_wave(database("campus"), -2),
        ],
        "broker-users.yaml": [with_wave(d, -2) for a in users for d in k8s_jobs.broker_user(a)],
        "managed-roles.yaml": [
            {"op": "add", "path": "/spec/managed/roles/-", "value": role} for role in managed_roles(["campus"])
        ],
    }


HEADER = "# Written by `python -m cim.k8s` from the code; do not edit (tests compare).\n"


def render(docs: list[dict], one_document: bool = False) -> str:
    if one_document:  # a JSON patch: one list
        return HEADER + yaml.safe_dump(docs, sort_keys=False, width=1000)
    return HEADER + "---\n".join(yaml.safe_dump(d, sort_keys=False, width=1000) for d in docs)


def broker_table() -> str:
    """Markdown: what each broker user may do, and why, from shared.broker_access."""
    lines = [
        "| user | configure (declare) | write (publish, bind to) | read (consume, bind from) |",
        "|---|---|---|---|",
    ]

    def cell(grants):
        if not grants:
            return "nothing"
        return "<br>".join(f"`{_readable(g.pattern)}`: {g.reason}" for g in sorted(grants, key=lambda g: g.pattern))

    for access in broker_access.all_access().values():
        user = f"cim-{access.user}" + (" (planned: campus edge not written yet)" if access.planned else "")
        lines.append(f"| {user} | {cell(access.configure)} | {cell(access.write)} | {cell(access.read)} |")
    return "\n".join(lines) + "\n"


def _readable(pattern: str) -> str:
    """The regex fragment as a name (escapes removed) so the table reads as queue names."""
    return re.sub(r"\\(.)", r"\1", pattern).replace("|", "\\|")


def outputs() -> dict[Path, str]:
    from cim import k8s_jobs

    out = {BASE_OUT / name: render(docs, name.startswith("managed-roles")) for name, docs in base_documents().items()}
    out.update(
        {CAMPUS_OUT / name: render(docs, name.startswith("managed-roles")) for name, docs in campus_documents().items()}
    )
    out[DEV_OUT / "dev-secrets.yaml"] = render(k8s_jobs.dev_secrets())
    return out


def docs_with_table(text: str) -> str:
    begin, end = text.index(TABLE_BEGIN), text.index(TABLE_END)
    return text[: begin + len(TABLE_BEGIN)] + "\n" + broker_table() + text[end:]


def write():
    for path, text in outputs().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    DOCS.write_text(docs_with_table(DOCS.read_text()))


if __name__ == "__main__":
    write()
    print(
        f"wrote {BASE_OUT.relative_to(REPO_ROOT)}, {CAMPUS_OUT.relative_to(REPO_ROOT)} and the "
        f"broker table in {DOCS.relative_to(REPO_ROOT)}"
    )
