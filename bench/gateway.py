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


SPREAD, BURSTS = "spread", "bursts"
CLIENTS = 10  # hey clients offering the rate between them


def arrivals_label(arrivals: str, rate: int, clients: int = CLIENTS) -> str:
    """How the requests of `hey(..., arrivals=...)` reach the gateway, for the table."""
    if arrivals == SPREAD:
        return f"evenly spaced ({clients} clients, their starts staggered)"
    return f"in bursts ({clients} clients at once every {1000 * clients / rate:.0f} ms)"


def hey(
    url: str, token: str | None, rate: int, seconds: int, concurrency: int = CLIENTS, arrivals: str = SPREAD
) -> dict:
    """p50/p95/p99 (ms) and the throughput served at `rate` requests/s offered.

    hey's `-q` paces each of its clients alone, and its clients start together: `-c 10 -q 10`
    offers 10 requests at once every 100 ms (BURSTS), so the last of each burst waits for the nine
    before it in every single-threaded process on the way. SPREAD runs the 10 clients as 10 hey
    processes started 1/rate s apart: the same rate, one request every 10 ms."""
    if shutil.which("hey") is None:
        raise SystemExit("the gateway benchmark needs hey: apt-get install -y hey")
    clients = 1 if arrivals == SPREAD else concurrency
    command = ["hey", "-z", f"{seconds}s", "-c", str(clients), "-q", str(max(1, rate // concurrency)), "-o", "csv"]
    if token:
        command += ["-H", f"Authorization: Bearer {token}"]
    processes = []
    for _ in range(concurrency if arrivals == SPREAD else 1):
        started = subprocess.Popen(command + [url], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        processes.append(started)
        time.sleep(1 / rate)
    rows = []
    for process in processes:
        out, _ = process.communicate(timeout=seconds + 60)
        if process.returncode != 0:
            raise RuntimeError(f"hey exited with {process.returncode}")
        rows += list(csv.DictReader(io.StringIO(out)))
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


def at_sizes(
    running, sizes: list[int], rate: int, seconds: int, per_student: int = 3, arrivals=(SPREAD, BURSTS)
) -> list[dict]:
    """For each size (students; `per_student` pending activities each) and each way the requests
    arrive: /health, progress, inbox; each with the CPU the platform's processes spent per
    answered request (`cpu_ms`: a figure a busy machine changes far less than the latencies)."""
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
        for shape in arrivals:
            for name, path, token in (
                ("health", "/health", None),
                ("progress", "/v1/me/progress", student),
                ("inbox", "/v1/coordinator/inbox?limit=50", admin),
            ):
                cpu = _cpu_seconds(running)
                measured = hey(base + path, token, rate, seconds, arrivals=shape)
                cpu_ms = (_cpu_seconds(running) - cpu) * 1000 / measured["n"] if measured["n"] else None
                results.append(
                    {"size": size, "route": name, "arrivals": shape, "seeded_s": seeded_s, "cpu_ms": cpu_ms, **measured}
                )
    engine.dispose()
    return results
