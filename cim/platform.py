"""Starting and stopping the platform's processes: seven services and a local SMTP sink."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import requests

from shared.settings import REPO_ROOT

SERVICE_PORTS = {
    "gateway": 8000,
    "registration": 8001,
    "activities": 8002,
    "approvals": 8003,
    "ceremony": 8004,
    "certificates": 8005,
    "notifications": 8006,
    "campus": 8007,
}
SMTP_PORT = 1025


@dataclass
class Layout:
    """Where one running platform keeps its files."""

    data_dir: Path

    @property
    def logs(self) -> Path:
        return self.data_dir / "log"

    @property
    def pids(self) -> Path:
        return self.data_dir / "run"

    @property
    def mail(self) -> Path:
        return self.data_dir / "mail"

    def prepare(self):
        for path in (self.logs, self.pids):
            path.mkdir(parents=True, exist_ok=True)
        for sub in ("cur", "new", "tmp"):  # a Maildir: the SMTP sink files every message here
            (self.mail / sub).mkdir(parents=True, exist_ok=True)


def port_answers(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout):
            return True
    except OSError:
        return False


def broker_answers(amqp_uri: str) -> bool:
    parts = urlparse(amqp_uri)
    return port_answers(parts.hostname or "127.0.0.1", parts.port or 5672)


def _spawn(name: str, argv: list[str], env: dict, layout: Layout) -> int:
    log = open(layout.logs / f"{name}.log", "ab")
    process = subprocess.Popen(
        argv,
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    (layout.pids / f"{name}.pid").write_text(str(process.pid))
    return process.pid


def start_smtp_sink(layout: Layout, port: int = SMTP_PORT) -> int:
    """aiosmtpd storing every mail in a Maildir a person can open (var/mail/new/*)."""
    return _spawn(
        "smtp",
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "aiosmtpd.handlers.Mailbox",
            str(layout.mail),
        ],
        dict(os.environ),
        layout,
    )


def start_service(service: str, layout: Layout, env: dict, port: int) -> int:
    env = {**env, "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}", "PYTHONUNBUFFERED": "1"}
    from shared.topology import service_class

    argv = [
        sys.executable,
        "-m",
        "nameko",
        "run",
        f"services.{service}.service:{service_class(service).__name__}",
        "--config",
        str(REPO_ROOT / "config.yaml"),
    ]
    return _spawn(service, argv, env, layout)


def running(layout: Layout, name: str) -> bool:
    try:
        pid = int((layout.pids / f"{name}.pid").read_text())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return False
    # a child that exited but was not reaped yet is a zombie: not running
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return True


def wait_healthy(ports: dict[str, int], timeout: float = 90, layout: Layout | None = None) -> dict[str, str]:
    """Wait until every service's /health says ok; returns the last status of each.

    With a layout, a process that has died fails the wait at once (its log says why).
    """
    deadline = time.monotonic() + timeout
    status = {name: "not started" for name in ports}
    while time.monotonic() < deadline:
        if layout is not None:
            dead = [name for name in ports if not running(layout, name)]
            if dead:
                raise TimeoutError(f"{', '.join(dead)} exited; see {layout.logs}")
        for name, port in ports.items():
            if status[name] == "ok":
                continue
            try:
                response = requests.get(f"http://127.0.0.1:{port}/health", timeout=2)
                status[name] = "ok" if response.status_code == 200 else response.text
            except requests.RequestException as exc:
                status[name] = type(exc).__name__
        if all(value == "ok" for value in status.values()):
            return status
        time.sleep(0.5)
    raise TimeoutError(f"services not healthy after {timeout}s: { {k: v for k, v in status.items() if v != 'ok'} }")


def _signal(layout: Layout, name: str) -> int | None:
    """Ask one process to stop; its pid, or None when it was not running."""
    pid_file = layout.pids / f"{name}.pid"
    try:
        pid = int(pid_file.read_text())
        # aiosmtpd stops on SIGINT only; nameko stops gracefully on SIGTERM
        os.killpg(pid, signal.SIGINT if name == "smtp" else signal.SIGTERM)
    except (FileNotFoundError, ProcessLookupError, ValueError, PermissionError):
        pid = None
    pid_file.unlink(missing_ok=True)
    return pid


def _wait_then_kill(pids: dict[str, int], timeout: float):
    deadline = time.monotonic() + timeout
    while pids and time.monotonic() < deadline:
        for name, pid in list(pids.items()):
            try:
                if os.waitpid(pid, os.WNOHANG)[0] == pid:
                    del pids[name]
                    continue
            except ChildProcessError:  # not our child: poll its existence instead
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    del pids[name]
                    continue
        time.sleep(0.1)
    for pid in pids.values():
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def stop(layout: Layout, name: str, timeout: float = 15) -> bool:
    """Stop one process (a service or "smtp"); whether it was running."""
    pid = _signal(layout, name)
    if pid is not None:
        _wait_then_kill({name: pid}, timeout)
    return pid is not None


def stop_all(layout: Layout, timeout: float = 15) -> list[str]:
    """Ask every process to stop, wait for all together, then kill what is left."""
    pids = {}
    for pid_file in sorted(layout.pids.glob("*.pid")):
        pid = _signal(layout, pid_file.stem)
        if pid is not None:
            pids[pid_file.stem] = pid
    stopped = list(pids)
    _wait_then_kill(pids, timeout)
    return stopped
