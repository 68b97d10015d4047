"""Gateway latencies at a fixed offered rate (hey on loopback, bounded in time): `/health` as the
baseline, a student's progress and the coordinator's inbox, at growing data sizes seeded
straight into approvals' database (bench.seed)."""

from __future__ import annotations

import csv
import io
import os
import shutil
import statistics
import subprocess
import time
from pathlib import Path

from bench import seed
from cim.journey import Client
from services.gateway.auth import issue_dev_token
from shared.db import create_engine


def hey(url: str, token: str | None, rate: int, seconds: int, concurrency: int = 10) -> dict:
    """p50/p95/p99 (ms) and the throughput served at `rate` requests/s offered."""
    if shutil.which("hey") is None:
        raise SystemExit("the gateway benchmark needs hey: apt-get install -y hey")
    command = ["hey", "-z", f"{seconds}s", "-c", str(concurrency), "-q", str(max(1, rate // concurrency)), "-o", "csv"]
    if token:
        command += ["-H", f"Authorization: Bearer {token}"]
    out = subprocess.run(command + [url], capture_output=True, text=True, check=True, timeout=seconds + 60).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    times = sorted(float(r["response-time"]) * 1000 for r in rows)
    ok = sum(1 for r in rows if r["status-code"] == "200")
    if not times:
        return {"p50": None, "p95": None, "p99": None, "rps": 0.0, "ok": 0, "n": 0}
    q = statistics.quantiles(times, n=100, method="inclusive")
    return {"p50": q[49], "p95": q[94], "p99": q[98], "rps": ok / seconds, "ok": ok, "n": len(rows)}


def one_student(running) -> str:
    """A registered student of the platform (through the API), once approvals knows them."""
    token = issue_dev_token(running.secret, "s-bench-1", "student", name="Bench Student", email="bench@example.org")
    client = Client(running.gateway_url, token)
    client.call(
        "POST",
        "/v1/registrations",
        201,
        json={"programme": "MPUBH", "expected_graduation": "2027-06", "language": "en"},
    )
    client.until("GET", "/v1/me/progress", timeout=120)
    return token


def _cpu_seconds(running) -> float:
    """User + system CPU the platform's processes have used so far (from /proc)."""
    total = 0.0
    for pid_file in running.layout.pids.glob("*.pid"):
        try:
            fields = Path(f"/proc/{int(pid_file.read_text())}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, ValueError):
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def at_sizes(running, sizes: list[int], rate: int, seconds: int, per_student: int = 3) -> list[dict]:
    """For each size (students; `per_student` pending activities each): /health, progress, inbox;
    each with the CPU the platform's processes spent per answered request (`cpu_ms`: a figure a
    busy machine changes far less than the latencies)."""
    student = one_student(running)
    admin = issue_dev_token(running.secret, "a-bench", "admin")
    engine = create_engine(running.database_urls["approvals"])
    loaded, results = 0, []
    for size in sizes:
        started = time.monotonic()
        seed.seed(engine, size - loaded, (size - loaded) * per_student, start=loaded)
        seeded_s = time.monotonic() - started
        loaded = size
        base = running.gateway_url
        for name, path, token in (
            ("health", "/health", None),
            ("progress", "/v1/me/progress", student),
            ("inbox", "/v1/coordinator/inbox?limit=50", admin),
        ):
            cpu = _cpu_seconds(running)
            measured = hey(base + path, token, rate, seconds)
            cpu_ms = (_cpu_seconds(running) - cpu) * 1000 / measured["n"] if measured["n"] else None
            results.append({"size": size, "route": name, "seeded_s": seeded_s, "cpu_ms": cpu_ms, **measured})
    engine.dispose()
    return results
