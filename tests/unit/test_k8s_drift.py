"""No drift between the manifests and the code: the generated files are what `python -m cim.k8s`
writes now, each Deployment runs its service's real class, and every environment variable the
manifests set is one the code (or a library it uses) reads."""

from __future__ import annotations

import re

import pytest

from cim import k8s
from shared import broker_access
from shared.topology import SERVICES, service_class
from tests.unit.test_k8s_rendering import REPO, documents

# Read by a library, not by our code: fontconfig's cache directory (the root is read-only).
LIBRARY_ENV = {"XDG_CACHE_HOME"}


def service_names() -> list[str]:
    """SERVICES (the campus edge among them)."""
    return list(SERVICES)


def names_read_by_code() -> set[str]:
    """Every environment/config name the code reads (literal keys) or config.yaml expands."""
    names = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", (REPO / "config.yaml").read_text()))
    pattern = re.compile(r"[\"']((?:CIM|AMQP|SMTP|REDIS|DATABASE|WEB)_[A-Z0-9_]+|DATABASE_URL)[\"']")
    for path in [*(REPO / "shared").rglob("*.py"), *(REPO / "services").rglob("*.py"), *(REPO / "cim").glob("*.py")]:
        if path.name == "k8s.py":
            continue
        names |= set(pattern.findall(path.read_text()))
    for service in service_names():  # "<SERVICE>_<KEY>" overrides read by SettingsSource
        names |= {f"{service.upper()}_DATABASE_URL"}
    return names


def test_generated_files_are_up_to_date():
    stale = [
        str(path.relative_to(REPO))
        for path, text in k8s.outputs().items()
        if not path.exists() or path.read_text() != text
    ]
    docs = k8s.DOCS.read_text()
    if k8s.docs_with_table(docs) != docs:
        stale.append(str(k8s.DOCS.relative_to(REPO)))
    assert stale == [], "run `python -m cim.k8s` and commit: " + ", ".join(stale)


@pytest.mark.parametrize("target", ["dev", "production"])
def test_each_deployment_runs_its_services_class_as_pid_1(target):
    deployments = {d["metadata"]["name"]: d for d in documents(target) if d["kind"] == "Deployment"}
    expected = list(SERVICES)
    for service in expected:
        container = deployments[f"cim-{service}"]["spec"]["template"]["spec"]["containers"][0]
        command = container["command"]
        assert command[:2] == ["nameko", "run"] and command[3:] == ["--config", "config.yaml"]
        assert "args" not in container  # exec form, no shell in front of nameko
        module, _, cls = command[2].partition(":")
        loaded = service_class(service)
        assert module == loaded.__module__ and cls in ("", loaded.__name__)
        port = int(next(e["value"] for e in container["env"] if e["name"] == "WEB_SERVER_ADDRESS").rpartition(":")[2])
        assert container["ports"][0]["containerPort"] == port


@pytest.mark.parametrize("target", ["dev", "production"])
def test_every_environment_name_in_the_manifests_is_read_by_the_code(target):
    known = names_read_by_code()
    config = {}
    for doc in documents(target):
        if doc["kind"] == "ConfigMap" and doc["metadata"]["name"] == "cim-config":
            config = doc["data"]
    unknown = {name for name in config if name not in known | LIBRARY_ENV}
    assert unknown == set(), f"ConfigMap sets names no code reads: {unknown}"
    for doc in documents(target):
        spec = doc.get("spec", {}).get("template", {}).get("spec", {})
        for container in spec.get("containers", []) + spec.get("initContainers", []):
            env = container.get("env", [])
            composed = {m for e in env for m in re.findall(r"\$\(([A-Z0-9_]+)\)", e.get("value", ""))}
            for entry in env:
                name = entry["name"]
                assert name in known | LIBRARY_ENV or name in composed, (
                    f"{doc['metadata']['name']}/{container['name']} sets {name}, which nothing reads"
                )


def test_the_services_read_the_settings_the_manifests_give_them():
    known = names_read_by_code()
    for name in (
        "AMQP_URI",
        "DATABASE_URL",
        "WEB_SERVER_ADDRESS",
        "CIM_ENV",
        "CIM_PUBLIC_BASE_URL",
        "SMTP_HOST",
        "CIM_OIDC_ISSUER",
        "CIM_OIDC_AUDIENCE",
        "CIM_SEAL_KEY_FILE",
        "CIM_SEAL_CERT_FILE",
        "CIM_BADGE_KEY_FILE",
        "REDIS_URL",
        "CIM_DATA_DIR",
    ):
        assert name in known


def test_each_service_broker_permission_is_the_derived_one():
    permissions = {
        d["metadata"]["name"]: d["spec"]["permissions"] for d in documents("production") if d["kind"] == "Permission"
    }
    for service in service_names():
        access = (
            broker_access.campus_edge_access() if service == "campus" else broker_access.derive(service_class(service))
        )
        assert permissions[f"cim-{service}"] == access.regexes()
    for name, perms in permissions.items():
        assert list(perms.values()) != [".*"] * 3, name
        assert ".*" not in perms.values() or name == "cim-none", name
    assert permissions["cim-campus-lms"] == {"configure": "", "write": r"^(campus\.lms)$", "read": ""}
