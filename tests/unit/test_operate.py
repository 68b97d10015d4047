"""The operator commands' arguments and pure parts (cim/operate.py): seed files, the admin actor,
the certificate calls, `cim up` starting only what is not running, `cim status`."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from cim import operate
from shared.permissions import ADMIN
from shared.rpc.common import load_actor


def test_the_certificate_commands_take_an_action_a_code_and_a_required_reason():
    args = operate.parser().parse_args(["certificate", "revoke", "CIM-7K3Q", "--reason", "fraud"])
    assert (args.action, args.code, args.reason, args.operator) == ("revoke", "CIM-7K3Q", "fraud", "cim-operator")
    assert args.func is operate.cmd_certificate
    with pytest.raises(SystemExit):
        operate.parser().parse_args(["certificate", "reissue", "CIM-7K3Q"])  # no reason
    with pytest.raises(SystemExit):
        operate.parser().parse_args(["certificate", "delete", "CIM-7K3Q", "--reason", "x"])


def test_restart_takes_one_known_service_and_seed_a_file():
    assert operate.parser().parse_args(["restart", "approvals"]).service == "approvals"
    with pytest.raises(SystemExit):
        operate.parser().parse_args(["restart", "nosuch"])
    args = operate.parser().parse_args(["seed", "directory.yaml", "--operator", "ops-1"])
    assert str(args.file) == "directory.yaml" and args.operator == "ops-1"


def test_the_operator_acts_as_an_admin_the_services_accept():
    actor = load_actor(operate.operator_actor("ops-1"))
    assert (actor.role, actor.subject, actor.issuer) == (ADMIN, "ops-1", operate.OPERATOR_ISSUER)


def test_a_certificate_action_calls_the_certificates_rpc_with_the_reason():
    calls = []
    certificates = SimpleNamespace(
        revoke=lambda actor, code, request: calls.append(("revoke", actor["role"], code, request)) or {},
        reissue=lambda actor, code, request: calls.append(("reissue", actor["role"], code, request)) or {},
    )
    operate.certificate_call(certificates, "reissue", "CIM-1", "name corrected", "ops-1")
    operate.certificate_call(certificates, "revoke", "CIM-2", "issued in error", "ops-1")
    assert calls == [
        ("reissue", ADMIN, "CIM-1", {"reason": "name corrected"}),
        ("revoke", ADMIN, "CIM-2", {"reason": "issued in error"}),
    ]


SEED = """
programmes:
  - {code: MGLOB, name_en: Master's programme in Global Health, name_sv: Masterprogram i global hälsa}
coordinators:
  - {subject: c-glob, name: Greta Global, email: greta@example.org, programmes: [MGLOB]}
"""


def test_a_seed_file_is_read_and_wrong_ones_are_refused(tmp_path):
    path = tmp_path / "seed.yaml"
    path.write_text(SEED)
    seed = operate.read_seed(path)
    assert seed["programmes"][0]["code"] == "MGLOB" and seed["coordinators"][0]["subject"] == "c-glob"
    for wrong in (
        "students: []",
        "programmes: [{code: X, name_en: Y}]",
        "coordinators: [{subject: c-1, programmes: MGLOB}]",
        "- a list",
    ):
        path.write_text(wrong)
        with pytest.raises(ValueError):
            operate.read_seed(path)


def test_coordinators_are_put_one_by_one_as_an_admin():
    calls = []
    approvals = SimpleNamespace(
        put_coordinator=lambda actor, subject, request: calls.append((actor["role"], subject, request))
        or {"subject": subject}
    )
    done = operate.seed_coordinators(
        approvals,
        operate.operator_actor("ops-1"),
        [{"subject": "c-1", "programmes": ["A"], "name": "One"}, {"subject": "c-2", "programmes": []}],
    )
    assert calls == [(ADMIN, "c-1", {"programmes": ["A"], "name": "One"}), (ADMIN, "c-2", {"programmes": []})]
    assert [d["subject"] for d in done] == ["c-1", "c-2"]


def test_up_starts_only_what_is_not_running(monkeypatch, tmp_path):
    from cim import platform

    monkeypatch.setenv("CIM_DATA_DIR", str(tmp_path))
    running = {"smtp", "gateway", "approvals"}
    started, migrated = [], []
    monkeypatch.setattr(platform, "running", lambda layout, name: name in running)
    monkeypatch.setattr(platform, "start_service", lambda service, layout, env, port: started.append(service))
    monkeypatch.setattr(platform, "start_smtp_sink", lambda layout, port: started.append("smtp"))
    monkeypatch.setattr(platform, "wait_healthy", lambda ports, timeout, layout: None)
    result = operate.up(SimpleNamespace(timeout=1), {"SMTP_PORT": "1025"}, lambda: migrated.append(1))
    assert migrated == [1]
    assert set(result) == set(started) == set(platform.SERVICE_PORTS) - running


def test_status_says_each_services_health_and_whether_all_are_well():
    def get(url, timeout):
        if ":8002/" in url:
            raise ConnectionError("refused")
        return SimpleNamespace(status_code=503 if ":8003/" in url else 200, text='{"status": "x"}\n')

    lines, healthy = operate.health_lines({"gateway": 8000, "activities": 8002, "approvals": 8003}, get)
    assert lines == [
        'gateway        200 {"status": "x"}',
        "activities     down (ConnectionError)",
        'approvals      503 {"status": "x"}',
    ]
    assert not healthy
    assert operate.health_lines({"gateway": 8000}, get) == (['gateway        200 {"status": "x"}'], True)


def test_stopping_one_service_leaves_the_others(tmp_path):
    import subprocess
    import sys

    from cim import platform

    layout = platform.Layout(tmp_path)
    layout.prepare()
    sleepers = {}
    for name in ("approvals", "gateway"):
        process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
        (layout.pids / f"{name}.pid").write_text(str(process.pid))
        sleepers[name] = process
    assert platform.stop(layout, "approvals", timeout=5)
    assert sleepers["approvals"].poll() is not None and not platform.running(layout, "approvals")
    assert platform.running(layout, "gateway")
    assert not platform.stop(layout, "approvals")  # not running any more
    assert platform.stop_all(layout) == ["gateway"]
    assert sleepers["gateway"].wait(5) is not None
