"""Where one gateway request's time goes, under load: py-spy samples the live processes.

    .venv/bin/python -m bench.profile [--students 100000] [--route progress] [--seconds 20]

Starts the platform (bench.live), seeds approvals (bench.seed), then offers the route at a
fixed rate with hey while `py-spy record --format raw` samples the gateway, registration and
approvals processes (each its own py-spy, 100 samples/s, wall-clock samples of the one OS
thread that runs every greenlet). Prints, per process, the CPU it used during the load and
how often it was busy (not the eventlet hub waiting in epoll) and where the busy samples were
(token checks, AMQP, HTTP, marshmallow, the database driver, logging, metrics, eventlet): each
sample in the bucket of its innermost library frame (BUCKETS). A busy sample includes time the
process was runnable but had no core (on a loaded machine: most of it, inside send() calls that
woke the peer); the CPU per request comes from /proc. Read the raw files (--keep) for more.
Run by hand: needs hey and py-spy (`bin/setup --bench`).
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# (bucket, substrings of a frame). A sample goes to the bucket of the innermost frame that
# matches one (socket, json, contextlib and eventlet's green sockets are skipped: their time is
# their caller's), so a send inside a PyJWT, pg8000 or kombu call counts for that library.
WAITING = "waiting (eventlet hub idle: epoll)"
BUCKETS = [
    ("token check (PyJWT)", ("jwt/",)),
    ("rate limit (redis)", ("gateway/ratelimit.py", "redis/")),
    ("database driver (pg8000)", ("pg8000/",)),
    ("SQLAlchemy", ("sqlalchemy/",)),
    ("marshmallow (load/dump)", ("marshmallow/",)),
    ("logging", ("logging/__init__.py", "shared/logging.py")),
    ("metrics (prometheus_client)", ("prometheus_client/",)),
    ("AMQP publish/consume (kombu, amqp)", ("kombu/", "amqp/", "vine/")),
    ("HTTP in and out (eventlet.wsgi, werkzeug)", ("eventlet/wsgi.py", "werkzeug/", "http/", "nameko/web/")),
    ("nameko RPC and container", ("nameko/",)),
    ("eventlet scheduling (greenlet switch, hub)", ("eventlet/",)),
]
SKIPPED = ("eventlet/greenio/", "socket.py", "ssl.py", "json/", "contextlib.py", "selectors.py")


def bucket_of(frames: list[str]) -> str:
    if frames and ("hubs/epolls.py" in frames[-1] or "hubs/poll.py" in frames[-1]):
        return WAITING
    for frame in reversed(frames):
        if any(skip in frame for skip in SKIPPED):
            continue
        for name, needles in BUCKETS:
            if any(needle in frame for needle in needles):
                return name
    return "other (the services' own code)"


def summarise(raw: Path) -> tuple[int, collections.Counter]:
    """py-spy's raw format: one line per distinct stack, `frame;frame;... count`."""
    counts: collections.Counter = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack or not n.isdigit():
            continue
        counts[bucket_of(stack.split(";"))] += int(n)
        total += int(n)
    return total, counts


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=100_000)
    parser.add_argument("--route", choices=("progress", "inbox"), default="progress")
    parser.add_argument("--rate", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--processes", default="gateway,registration,approvals")
    parser.add_argument("--keep", help="a folder to keep py-spy's raw files in")
    parser.add_argument("--env", action="append", default=[], help="NAME=value for every service")
    args = parser.parse_args(argv)
    for tool in ("hey", "py-spy"):
        if shutil.which(tool) is None and not (Path(sys.executable).parent / tool).exists():
            raise SystemExit(f"bench.profile needs {tool}: bin/setup --bench")
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")

    from bench import gateway, seed
    from bench.live import running_platform
    from services.gateway.auth import issue_dev_token
    from shared.db import create_engine

    extra = dict(pair.split("=", 1) for pair in args.env)
    out = Path(args.keep or tempfile.mkdtemp(prefix="cim-profile-"))
    out.mkdir(parents=True, exist_ok=True)
    with running_platform(extra) as running:
        student = gateway.one_student(running)
        engine = create_engine(running.database_urls["approvals"])
        seed.seed(engine, args.students, args.students * 3)
        engine.dispose()
        if args.route == "progress":
            path, token = "/v1/me/progress", student
        else:
            path, token = "/v1/coordinator/inbox?limit=50", issue_dev_token(running.secret, "a-bench", "admin")
        url = running.gateway_url + path
        gateway.hey(url, token, args.rate, 5)  # warm up: the pools grown, caches, the plan cache
        pids = {name: int((running.layout.pids / f"{name}.pid").read_text()) for name in args.processes.split(",")}
        spies, cpu_before = {}, {name: cpu_seconds(pid) for name, pid in pids.items()}
        for name, pid in pids.items():
            spies[name] = subprocess.Popen(
                [py_spy, "record", "--pid", str(pid), "--rate", "100", "--format", "raw", "--idle", "--nonblocking"]
                + ["--duration", str(args.seconds), "--output", str(out / f"{name}.txt")],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        started = time.monotonic()
        result = gateway.hey(url, token, args.rate, args.seconds)
        elapsed = time.monotonic() - started
        cpu_after = {name: cpu_seconds(pid) for name, pid in pids.items()}
        for spy in spies.values():
            spy.wait(timeout=args.seconds + 60)
    print(
        f"{args.route} at {args.rate}/s offered for {args.seconds} s, {args.students:,} students: "
        f"p50 {result['p50']:.1f} / p95 {result['p95']:.1f} / p99 {result['p99']:.1f} ms, {result['rps']:.0f}/s served"
    )
    for name in pids:
        cpu = (cpu_after[name] - cpu_before[name]) / elapsed
        served = result["ok"] or 1
        print(f"\n{name}: {cpu * 100:.0f} % of one core, {cpu * elapsed / served * 1000:.2f} ms CPU per request")
        raw = out / f"{name}.txt"
        if not raw.exists():
            print("  (no samples: py-spy could not attach)")
            continue
        total, counts = summarise(raw)
        idle = counts.pop(WAITING, 0)
        busy = total - idle
        print(f"  busy in {busy / total * 100:.0f} % of the samples (the rest: the hub waiting); of the busy ones:")
        for bucket, n in counts.most_common():
            print(f"  {n / max(busy, 1) * 100:5.1f} %  {bucket}")
    print(f"\nraw stacks: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
