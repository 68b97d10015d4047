"""Both overlays render with kustomize and validate offline: core objects against Kubernetes'
schemas (kubernetes-validate --strict), custom resources against the operators' fields
(deploy/k8s/schemas), and checkov's policies with no failure (skips explained in checkov.yaml)."""

from __future__ import annotations

import copy
import json
import subprocess

import jsonschema
import pytest
import yaml

from tests.unit.test_k8s_rendering import BIN, K8S, KUBERNETES_VERSION, REPO, documents, is_core, rendered

TARGETS = ("dev", "production")


def schemas() -> dict:
    spec = yaml.safe_load((K8S / "schemas" / "custom-resources.yaml").read_text())
    return {key: {**schema, "definitions": spec["definitions"]} for key, schema in spec["schemas"].items()}


def cr_errors(doc: dict) -> list[str]:
    schema = schemas().get(f"{doc['apiVersion']} {doc['kind']}")
    if schema is None:
        return [f"no schema for {doc['apiVersion']} {doc['kind']}"]
    validator = jsonschema.Draft202012Validator(schema)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]


@pytest.mark.parametrize("target", TARGETS)
def test_core_objects_validate_strictly(target, tmp_path):
    core = [d for d in documents(target) if is_core(d)]
    paths = []
    for i, doc in enumerate(core):
        path = tmp_path / f"{i:03d}-{doc['kind']}-{doc['metadata']['name']}.yaml"
        path.write_text(yaml.safe_dump(doc))
        paths.append(str(path))
    result = subprocess.run(
        [str(BIN / "kubernetes-validate"), "--strict", "-k", KUBERNETES_VERSION, "--quiet", *paths],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(paths) > 30


def test_kubernetes_validate_refuses_an_unknown_field(tmp_path):
    deployment = next(d for d in documents("production") if d["kind"] == "Deployment")
    wrong = copy.deepcopy(deployment)
    wrong["spec"]["template"]["spec"]["containers"][0]["livenessProbes"] = {}
    path = tmp_path / "wrong.yaml"
    path.write_text(yaml.safe_dump(wrong))
    result = subprocess.run(
        [str(BIN / "kubernetes-validate"), "--strict", "-k", KUBERNETES_VERSION, "--quiet", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0


@pytest.mark.parametrize("target", TARGETS)
def test_custom_resources_match_the_operators_fields(target):
    crs = [d for d in documents(target) if not is_core(d)]
    errors = {f"{d['kind']}/{d['metadata']['name']}": cr_errors(d) for d in crs}
    assert {k: v for k, v in errors.items() if v} == {}
    kinds = {d["kind"] for d in crs}
    assert {
        "RabbitmqCluster",
        "Vhost",
        "User",
        "Permission",
        "Cluster",
        "Database",
        "ScheduledBackup",
        "ObjectStore",
        "ScaledObject",
        "TriggerAuthentication",
    } <= kinds


@pytest.mark.parametrize(
    "kind, path, value",
    [
        ("Permission", ("spec", "permissions", "delete"), ".*"),
        ("Cluster", ("spec", "instance"), 3),
        ("Vhost", ("spec", "defaultQueueType"), "quorom"),
        ("ScaledObject", ("spec", "triggers", 0, "metadata", "queueLenght"), "5"),
    ],
)
def test_a_wrong_field_in_a_custom_resource_is_refused(kind, path, value):
    doc = copy.deepcopy(next(d for d in documents("production") if d["kind"] == kind))
    assert cr_errors(doc) == []
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert cr_errors(doc)


@pytest.mark.parametrize("target", TARGETS)
def test_checkov_finds_no_failed_check(target, tmp_path):
    checkov = REPO / ".venv-tools" / "bin" / "checkov"
    assert checkov.exists(), "checkov missing: bin/setup installs it into .venv-tools"
    manifest = tmp_path / "rendered.yaml"
    manifest.write_text(rendered(target))
    result = subprocess.run(
        [str(checkov), "--config-file", str(K8S / "checkov.yaml"), "-f", str(manifest), "-o", "json"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    report = json.loads(result.stdout)
    reports = report if isinstance(report, list) else [report]
    summary = reports[0]["summary"]
    failed = [(c["check_id"], c["resource"]) for r in reports for c in r["results"]["failed_checks"]]
    assert failed == [] and summary["failed"] == 0
    assert summary["passed"] > 500


def test_checkov_skips_each_have_a_reason():
    lines = (K8S / "checkov.yaml").read_text().splitlines()
    for i, line in enumerate(lines):
        if line.strip().startswith("- CKV"):
            assert lines[i - 1].strip().startswith("#"), f"no reason above {line.strip()}"


def test_production_writes_no_secret_values():
    for target in ("production",):
        assert [d for d in documents(target) if d["kind"] == "Secret"] == []
        text = rendered(target)
        assert "dev-" not in text and "stringData" not in text


def test_production_runs_three_broker_nodes_and_three_database_instances():
    docs = {(d["kind"], d["metadata"]["name"]): d for d in documents("production")}
    assert docs[("RabbitmqCluster", "cim-rabbitmq")]["spec"]["replicas"] == 3
    assert docs[("Cluster", "cim-postgres")]["spec"]["instances"] == 3
    assert docs[("Vhost", "cim")]["spec"]["defaultQueueType"] == "quorum"
    config = docs[("ConfigMap", "cim-config")]["data"]
    assert config["CIM_ENV"] == "production" and config["CIM_LOG_FORMAT"] == "json"


def test_only_notifications_has_the_mail_login_and_it_comes_from_a_secret():
    for target in TARGETS:
        config = next(
            d for d in documents(target) if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "cim-config"
        )
        assert "SMTP_PASSWORD" not in config["data"] and "SMTP_USERNAME" not in config["data"]
        for doc in documents(target):
            if doc["kind"] != "Deployment":
                continue
            env = {e["name"]: e for e in doc["spec"]["template"]["spec"]["containers"][0].get("env", [])}
            if doc["metadata"]["name"] == "cim-notifications":
                ref = env["SMTP_PASSWORD"]["valueFrom"]["secretKeyRef"]
                assert ref == {"name": "cim-smtp", "key": "password"} and "value" not in env["SMTP_PASSWORD"]
            else:
                assert "SMTP_PASSWORD" not in env, doc["metadata"]["name"]
    assert documents("production") and {
        d["data"]["SMTP_SECURITY"] for d in documents("production") if d["metadata"]["name"] == "cim-config"
    } == {"starttls"}


def test_every_image_is_pinned():
    for target in TARGETS:
        for doc in documents(target):
            spec = doc.get("spec", {}).get("template", {}).get("spec", {})
            for c in spec.get("containers", []) + spec.get("initContainers", []):
                name, _, tag = c["image"].rpartition(":")
                assert name and tag and tag != "latest", c["image"]
    images = {
        c["image"]
        for d in documents("production")
        if d["kind"] == "Deployment"
        for c in d["spec"]["template"]["spec"]["containers"]
    }
    assert "registry.example.org/cim/cim-platform:1.0.0" in images


def test_dev_runs_one_replica_of_each_service():
    for doc in documents("dev"):
        if doc["kind"] == "Deployment":
            assert doc["spec"]["replicas"] == 1
        if doc["kind"] in ("RabbitmqCluster",):
            assert doc["spec"]["replicas"] == 1
        if doc["kind"] == "Cluster":
            assert doc["spec"]["instances"] == 1


def test_the_migration_job_runs_before_the_services():
    docs = documents("production")
    wave = lambda d: int(d["metadata"].get("annotations", {}).get("argocd.argoproj.io/sync-wave", "0"))
    job = next(d for d in docs if d["kind"] == "Job")
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == ["cim", "migrate"]
    assert job["spec"]["template"]["spec"]["initContainers"][0]["name"] == "wait-for-dependencies"
    for doc in docs:
        if doc["kind"] == "Deployment":
            assert wave(doc) > wave(job)
            assert "migrate" not in json.dumps(doc["spec"]["template"]["spec"]["containers"])
        if doc["kind"] in ("RabbitmqCluster", "Cluster", "Vhost", "User", "Permission", "Database"):
            assert wave(doc) < wave(job)
