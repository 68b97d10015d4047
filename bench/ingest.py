"""Ingest of campus events through the running campus service, against a raw kombu consumer.

The campus service runs alone as its own process (as `cim up` runs it) on a vhost and a database
of its own. N valid events (campus.lms.enrolment.created.v1, CloudEvents structured mode, each
about another person, so each is checked, deduped, stored and translated into the outbox) are
put on the edge's queue before the service starts; the figure is N over the time from the first
event stored (the log's `received_at`) to the moment all N are stored. The baseline, in the same
run: a kombu consumer draining the same N messages from a scratch queue, acking each, with the
same prefetch, with stock py-amqp reads (and once more with the chunked reads our services use,
shared.amqp_reads, for comparison). Run alone: `.venv/bin/python -m bench.ingest [--events N]`; `python -m bench
--only ingest` writes the figure into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlparse

import sqlalchemy as sa
from kombu import Connection, Consumer, Exchange, Queue

from cim import platform
from shared import amqp_reads, topology
from shared.campus import contract
from shared.campus.amqp import campus_exchange
from shared.db import create_engine
from shared.migrations import upgrade
from shared.settings import load_settings
from tests.builders.campus import a_campus_event
from tests.e2e.conftest import _vhost
from tests.infra import amqp_uri, create_database, database_server_url, drop_database

CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def scratch_broker_and_database():
    """A vhost and a campus database of their own, the campus schema and topology in place."""
    run = uuid.uuid4().hex[:8]
    vhost = f"cim-bench-ingest-{run}"
    _vhost("create", vhost)
    broker = urlparse(amqp_uri())
    amqp = f"{broker.scheme}://{broker.netloc}/{quote(vhost, safe='')}"
    name = f"bench_ingest_{run}_campus"
    url = create_database(database_server_url(), name)
    try:
        upgrade("campus", url)
        topology.declare(amqp, load_settings("campus", {}).retry_delay_ms, services=["campus"])
        yield amqp, url
    finally:
        _vhost("delete", vhost)
        drop_database(database_server_url(), name)


def bodies(n: int) -> list[bytes]:
    run = uuid.uuid4().hex[:6]
    return [
        json.dumps(a_campus_event(contract.LMS_ENROLMENT_CREATED, student_ref=f"bench-{run}-{i}")).encode()
        for i in range(n)
    ]


def fill(amqp: str, exchange: Exchange, routing_key: str, messages: list[bytes]):
    with Connection(amqp) as conn:
        producer = conn.Producer()
        for body in messages:
            producer.publish(
                body,
                exchange=exchange,
                routing_key=routing_key,
                content_type=CONTENT_TYPE,
                content_encoding="utf-8",
                delivery_mode=2,
            )


def raw_kombu(amqp: str, messages: list[bytes], prefetch: int) -> dict:
    """The same messages drained by a bare kombu consumer that acks each: messages/s."""
    queue = Queue("bench.ingest.raw", exchange=Exchange("bench.ingest", type="direct"), routing_key="raw")
    with Connection(amqp) as conn:
        queue(conn.channel()).declare()
    fill(amqp, queue.exchange, "raw", messages)
    seen = {"n": 0, "first": None, "last": None}
    cpu = time.process_time()

    def on_message(message):
        if seen["first"] is None:
            seen["first"] = time.monotonic()
        message.ack()
        seen["n"] += 1
        seen["last"] = time.monotonic()

    with Connection(amqp) as conn:
        channel = conn.channel()
        with Consumer(channel, queues=[queue], on_message=on_message, prefetch_count=prefetch):
            deadline = time.monotonic() + 300
            while seen["n"] < len(messages) and time.monotonic() < deadline:
                with contextlib.suppress(socket.timeout):
                    conn.drain_events(timeout=1)
    cpu = time.process_time() - cpu
    seconds = seen["last"] - seen["first"]
    return {
        "n": seen["n"],
        "seconds": seconds,
        "per_s": seen["n"] / seconds if seconds else None,
        "cpu_us": cpu / seen["n"] * 1e6,
    }


def through_the_campus_service(
    amqp: str, database_url: str, messages: list[bytes], batch: int, replicas: int = 1
) -> dict:
    """Pre-fill the edge's queue, start the campus service (`replicas` processes, competing on its
    queue), wait until every event is stored, then until the outbox relays have published all."""
    fill(amqp, campus_exchange("lms"), contract.LMS_ENROLMENT_CREATED, messages)
    engine = create_engine(database_url)
    commits_before = _commits(engine)
    with contextlib.ExitStack() as stack:
        layouts = []
        for _ in range(replicas):
            layout = platform.Layout(Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cim-bench-ingest-"))))
            layout.prepare()
            layouts.append(layout)
        env = {
            **os.environ,
            "AMQP_URI": amqp,
            "DATABASE_URL": database_url,
            "CIM_ENV": "development",
            "CIM_INGEST_BATCH": str(batch),
            "LOG_LEVEL": "WARNING",
        }
        pids = [
            platform.start_service("campus", layout, {**env, "CIM_DATA_DIR": str(layout.data_dir)}, free_port())
            for layout in layouts
        ]
        try:
            stored, cpu_at_first, stored_at_first = 0, None, 0
            deadline = time.monotonic() + 900
            while stored < len(messages):
                if time.monotonic() > deadline or not all(platform.running(layout, "campus") for layout in layouts):
                    raise RuntimeError(f"{stored} of {len(messages)} stored; see {layouts[0].logs}/campus.log")
                time.sleep(0.02)
                with engine.connect() as conn:
                    stored = conn.execute(sa.text("SELECT count(*) FROM inbound_events")).scalar_one()
                if stored and cpu_at_first is None:
                    cpu_at_first, stored_at_first = sum(map(process_cpu_seconds, pids)), stored
            done = time.time()
            cpu = sum(map(process_cpu_seconds, pids)) - cpu_at_first
            with engine.connect() as conn:
                first = conn.execute(sa.text("SELECT min(received_at) FROM inbound_events")).scalar_one()
                outbox = conn.execute(sa.text("SELECT count(*) FROM outbox")).scalar_one()
            unpublished = outbox
            while unpublished and time.monotonic() < deadline:
                time.sleep(0.05)
                with engine.connect() as conn:
                    unpublished = conn.execute(
                        sa.text("SELECT count(*) FROM outbox WHERE published_at IS NULL")
                    ).scalar_one()
            with engine.connect() as conn:
                published = conn.execute(sa.text("SELECT max(published_at) FROM outbox")).scalar_one()
            time.sleep(1.5)  # PostgreSQL publishes its transaction counters about once a second
            commits = _commits(engine) - commits_before
        finally:
            for layout in layouts:
                platform.stop_all(layout)
    engine.dispose()
    seconds = done - first.timestamp()
    return {
        "n": stored,
        "replicas": replicas,
        "outbox": outbox,
        "seconds": seconds,
        "per_s": stored / seconds,
        "published_per_s": outbox / (published - first).total_seconds() if not unpublished else None,
        "commits": commits,
        "cpu_us": cpu / (stored - stored_at_first) * 1e6,
    }


def process_cpu_seconds(pid: int) -> float:
    """CPU time a process has used (user + system), from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _commits(engine) -> int:
    """The database's committed transactions so far (the service's, its outbox relay's, ours)."""
    with engine.connect() as conn:
        return conn.execute(
            sa.text("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")
        ).scalar_one()


def measure(n: int = 10_000, batch: int | None = None, replicas: int = 1) -> dict:
    batch = batch or load_settings("campus", {}).ingest_batch
    messages = bodies(n)
    with scratch_broker_and_database() as (amqp, database_url):
        ours = through_the_campus_service(amqp, database_url, messages, batch, replicas)
        with amqp_reads.stock_reads():  # the baseline is stock kombu and py-amqp
            raw = raw_kombu(amqp, messages, prefetch=2 * batch)
        chunked = raw_kombu(amqp, messages, prefetch=2 * batch)  # with the reads our services use
    return {"events": n, "batch": batch, "ours": ours, "raw": raw, "raw_chunked": chunked}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=None, help="CIM_INGEST_BATCH (default: the setting's)")
    parser.add_argument("--replicas", type=int, default=1, help="campus processes competing on the queue")
    args = parser.parse_args(argv)
    result = measure(args.events, args.batch, args.replicas)
    ours, raw = result["ours"], result["raw"]
    print(
        f"{result['events']} events, batch {result['batch']}, {ours['replicas']} replica(s): campus service "
        f"{ours['per_s']:.0f} events/s stored, {ours['published_per_s'] or 0:.0f}/s published "
        f"({ours['seconds']:.2f} s, {ours['cpu_us']:.0f} us CPU per event, {ours['outbox']} outbox rows, "
        f"~{ours['commits']} transactions); raw kombu {raw['per_s']:.0f} msg/s ({raw['seconds']:.2f} s, "
        f"{raw['cpu_us']:.0f} us CPU per message; with chunked reads {result['raw_chunked']['per_s']:.0f} msg/s, "
        f"{result['raw_chunked']['cpu_us']:.0f} us); ratio {ours['per_s'] / raw['per_s']:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
