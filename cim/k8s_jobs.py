"""The broker users, the migration Job (migrations and broker topology before the services
roll) and the development overlay's generated secrets, built from cim.k8s's service list."""

from __future__ import annotations

from cim.k8s import (
    CONTAINER_SECURITY,
    IMAGE,
    PART_OF,
    POD_SECURITY,
    RABBITMQ_CLUSTER,
    SERVICES_WITH_DATABASE,
    SYNC_WAVE,
    VHOST,
    amqp_env,
    database_env,
    labels,
)
from shared import broker_access


def broker_user(access: broker_access.BrokerAccess, tags=()) -> list[dict]:
    name = f"cim-{access.user}"
    meta_labels = {**PART_OF, "cim.example.org/broker-user": access.user}
    user = {
        "apiVersion": "rabbitmq.com/v1beta1",
        "kind": "User",
        "metadata": {"name": name, "labels": meta_labels},
        "spec": {
            "tags": list(tags),
            "rabbitmqClusterReference": {"name": RABBITMQ_CLUSTER},
            "importCredentialsSecret": {"name": f"cim-amqp-{access.user}"},
        },
    }
    permission = {
        "apiVersion": "rabbitmq.com/v1beta1",
        "kind": "Permission",
        "metadata": {"name": name, "labels": meta_labels},
        "spec": {
            "vhost": VHOST,
            "userReference": {"name": name},
            "permissions": access.regexes(),
            "rabbitmqClusterReference": {"name": RABBITMQ_CLUSTER},
        },
    }
    return [user, permission]


def migrate_job() -> dict:
    """`cim migrate` once per rollout, before the services (Argo CD: a Sync hook in wave -1;
    plain `kubectl apply`: it waits for the broker and databases, the services wait for it)."""
    env = amqp_env("migrate")
    databases = []
    for service in SERVICES_WITH_DATABASE:
        upper = service.upper()
        env += database_env(service, variable=f"{upper}_DATABASE_URL", prefix=f"{upper}_DB")
        databases += ["--database", service]
    security = CONTAINER_SECURITY
    scratch = [{"name": "tmp", "mountPath": "/tmp"}]
    resources = {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"cpu": "500m", "memory": "512Mi"}}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": "cim-migrate",
            "labels": labels("migrate"),
            "annotations": {
                SYNC_WAVE: "-1",
                "argocd.argoproj.io/hook": "Sync",
                "argocd.argoproj.io/hook-delete-policy": "BeforeHookCreation",
            },
        },
        "spec": {
            "backoffLimit": 6,
            "activeDeadlineSeconds": 3600,
            "ttlSecondsAfterFinished": 86400,
            "template": {
                "metadata": {"labels": labels("migrate")},
                "spec": {
                    "restartPolicy": "Never",
                    "serviceAccountName": "cim",
                    "automountServiceAccountToken": False,
                    "enableServiceLinks": False,
                    "securityContext": POD_SECURITY,
                    "initContainers": [
                        {
                            "name": "wait-for-dependencies",
                            "image": IMAGE,
                            "imagePullPolicy": "Always",
                            "command": ["python", "/opt/cim-wait/wait_for_dependencies.py", *databases],
                            "env": env,
                            "resources": resources,
                            "securityContext": security,
                            "volumeMounts": scratch
                            + [{"name": "wait-script", "mountPath": "/opt/cim-wait", "readOnly": True}],
                        }
                    ],
                    "containers": [
                        {
                            "name": "migrate",
                            "image": IMAGE,
                            "imagePullPolicy": "Always",
                            "command": ["cim", "migrate"],
                            "envFrom": [{"configMapRef": {"name": "cim-config"}}],
                            "env": env,
                            "resources": resources,
                            "securityContext": security,
                            "volumeMounts": scratch,
                        }
                    ],
                    "volumes": [
                        {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}},
                        {"name": "wait-script", "configMap": {"name": "cim-wait-script"}},
                    ],
                },
            },
        },
    }


def dev_secrets(with_campus: bool = True) -> list[dict]:
    """The dev overlay's secrets, with obvious development values (never used in production,
    whose overlay only references secrets made by the operators' secret store)."""

    def secret(name, data, kind="Opaque"):
        return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}, "type": kind, "stringData": data}

    users = list(broker_access.all_access(with_campus=with_campus)) + ["keda"]
    docs = [secret(f"cim-amqp-{u}", {"username": f"cim-{u}", "password": f"dev-{u}"}) for u in users]
    names = list(SERVICES_WITH_DATABASE)
    names += ["campus"] if with_campus else []
    docs += [
        secret(f"cim-db-{s}", {"username": f"cim_{s}", "password": f"dev-{s}"}, "kubernetes.io/basic-auth")
        for s in names
    ]
    docs.append(secret("cim-keda-rabbitmq", {"host": f"http://cim-keda:dev-keda@{RABBITMQ_CLUSTER}:15672/{VHOST}"}))
    docs.append(secret("cim-backup-s3", {"ACCESS_KEY_ID": "dev", "ACCESS_SECRET_KEY": "dev"}))
    # the development mail sink takes mail without a login: empty values are no login at all
    docs.append(secret("cim-smtp", {"username": "", "password": ""}))
    return docs
