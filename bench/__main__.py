"""The benchmark suite, one command: `.venv/bin/python -m bench [--graduates N] [--sizes ...] [--only ...]`.

Starts the platform (bench.live: every service its own process on the local RabbitMQ and
PostgreSQL), then measures, each against a baseline run in the same run:
- the graduation batch: N eligible students to sealed PDFs, DS records and emails, against
  rendering the same N PDFs bare in one process (ratio: ours / bare, lower is better);
- the gateway at a fixed offered rate (hey, loopback, bounded in time): progress and the inbox
  against the gateway's own /health (p50/p95/p99; throughput ratio: route / health), at each data
  size (students, with three pending activities each, seeded in bulk);
- ingest (bench.ingest, the campus service alone on a broker and database of its own): N campus
  events through check, dedupe, store and outbox, against a raw kombu consumer draining the same
  N messages (ratio: ours / raw, higher is better).
`--only ingest` (or graduation, gateway; comma-separated) measures only those; the other rows of
the results block are kept from the run that wrote them. Prints a table and writes it into
docs/benchmarks.md (between the "results" markers) with the machine. Run by hand; the test suite
only checks the table's formatting.
"""

from __future__ import annotations

import argparse
import os
import platform as host
import re
import sys
import warnings
from datetime import datetime, timezone
from pathlib import Path

warnings.filterwarnings("ignore", category=DeprecationWarning)

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
START, END = "<!-- results: written by python -m bench -->", "<!-- end of results -->"


def _fmt(value, unit="") -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1f}{unit}" if value < 100 else f"{value:.0f}{unit}"
    return f"{value}{unit}"


def table(rows: list[dict]) -> str:
    """A Markdown table: figure, value, baseline, its value, ratio."""
    lines = ["| figure | value | baseline (same run) | baseline value | ratio |", "|---|---|---|---|---|"]
    for r in rows:
        ratio = "-" if r.get("ratio") is None else f"{r['ratio']:.2f}"
        lines.append(f"| {r['figure']} | {r['value']} | {r['baseline']} | {r['baseline_value']} | {ratio} |")
    return "\n".join(lines)


def graduation_rows(result: dict, bare_s: float, n: int) -> list[dict]:
    per = result["seconds"] / n
    return [
        {
            "figure": f"graduation batch, N={n}: s per certificate (sealed PDF, DS record, email; "
            f"done: {result['certificates']} certificates, {result['supplement']} DS, "
            f"{result['emails']} emails)",
            "value": _fmt(per * 1000, " ms"),
            "baseline": "bare WeasyPrint render, one process",
            "baseline_value": _fmt(bare_s / n * 1000, " ms"),
            "ratio": per / (bare_s / n),
        }
    ]


def gateway_rows(results: list[dict], rate: int) -> list[dict]:
    rows = []
    from bench.gateway import arrivals_label

    health = {(r["size"], r["arrivals"]): r for r in results if r["route"] == "health"}
    for r in results:
        if r["route"] == "health":
            continue
        h = health[(r["size"], r["arrivals"])]
        latency = lambda x: f"p50 {_fmt(x['p50'])} / p95 {_fmt(x['p95'])} / p99 {_fmt(x['p99'])} ms"  # noqa
        cpu = lambda x: f"; {x['cpu_ms']:.1f} ms CPU" if x.get("cpu_ms") is not None else ""  # noqa
        arriving = arrivals_label(r["arrivals"], rate)
        rows.append(
            {
                "figure": f"{r['route']} at {rate} req/s offered {arriving}, {r['size']:,} students "
                f"({r['size'] * 3:,} activities): latency; served req/s; CPU of all the services per request",
                "value": f"{latency(r)}; {r['rps']:.0f}/s{cpu(r)}",
                "baseline": "GET /health, same rate",
                "baseline_value": f"{latency(h)}; {h['rps']:.0f}/s{cpu(h)}",
                "ratio": r["rps"] / h["rps"] if h["rps"] else None,
            }
        )
    return rows


def ingest_rows(result: dict) -> list[dict]:
    ours, raw = result["ours"], result["raw"]
    return [
        {
            "figure": f"{INGEST} {result['events']:,} campus events (structured CloudEvents) through check, dedupe, "
            f"store and outbox, batch {result['batch']}: events/s stored (CPU per event; {ours['outbox']:,} outbox "
            f"rows, ~{ours['commits']} transactions; all published at {ours['published_per_s'] or 0:,.0f}/s)",
            "value": f"{ours['per_s']:,.0f}/s ({ours['cpu_us']:.0f} µs)",
            "baseline": "raw kombu consumer (stock py-amqp reads), same messages, ack each",
            "baseline_value": f"{raw['per_s']:,.0f}/s ({raw['cpu_us']:.0f} µs)",
            "ratio": ours["per_s"] / raw["per_s"],
        }
    ]


INGEST = "ingest of"
KINDS = {"graduation": ("graduation batch",), "gateway": ("progress at", "inbox at"), "ingest": (INGEST,)}


KEPT = "Rows not measured in this run ("


def kept_rows(doc: str, measured: set[str]) -> tuple[dict[str, str], list[str]]:
    """From the results block: where each kind not measured now was measured (its run's machine
    line, without "Machine: "), and their table rows."""
    if START not in doc or END not in doc:
        return {}, []
    block = doc.split(START, 1)[1].split(END, 1)[0]
    lines = [line for line in block.strip().splitlines() if line.strip()]
    machine_line = next((line for line in lines if line.startswith("Machine:")), "Machine: -")
    provenance = {kind: machine_line.removeprefix("Machine: ") for kind in KINDS}  # measured in that run
    for line in lines:  # ...unless the block says it kept them from an earlier one
        if line.startswith(KEPT) and ") are kept from: " in line:
            kinds, source = line.removeprefix(KEPT).split(") are kept from: ", 1)
            for kind in kinds.split(", "):
                provenance[kind] = source
    prefixes = tuple(p for kind, ps in KINDS.items() if kind not in measured for p in ps)
    rows = [line for line in lines if line.startswith("| ") and line[2:].startswith(prefixes)]
    kept = {kind for kind, ps in KINDS.items() if kind not in measured and any(r[2:].startswith(ps) for r in rows)}
    return {kind: provenance[kind] for kind in sorted(kept)}, rows


def merged(text_rows: list[dict], doc: str, measured: set[str]) -> str:
    """The results block's text: this run's rows, and the other kinds' rows as an earlier run
    wrote them, each kind with the run that measured it (one line per run)."""
    provenance, rows = kept_rows(doc, measured)
    text = f"Machine: {machine()}.\n\n{table(text_rows)}"
    if rows:
        text += "\n" + "\n".join(rows)
        by_source: dict[str, list[str]] = {}
        for kind, source in provenance.items():
            by_source.setdefault(source, []).append(kind)
        for source, kinds in by_source.items():
            text += f"\n\n{KEPT}{', '.join(kinds)}) are kept from: {source}"
    return text


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        host.processor(),
    )
    return (
        f"{os.cpu_count()} cores ({cpu}), {host.system()} {host.release()}, Python "
        f"{host.python_version()}; run {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC"
    )


def write_doc(text: str):
    doc = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    block = f"{START}\n{text}\n{END}"
    if START in doc:
        doc = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: block, doc, flags=re.S)
    else:
        doc = doc.rstrip() + "\n\n## Results\n\n" + block + "\n"
    DOC.write_text(doc)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graduates", type=int, default=200)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--rate", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument(
        "--arrivals", default="spread,bursts", help="how the requests arrive: spread (one every 1/rate s), bursts"
    )
    parser.add_argument("--events", type=int, default=10_000, help="campus events for the ingest figure")
    parser.add_argument("--only", default=",".join(KINDS), help=f"comma-separated, of: {', '.join(KINDS)}")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument(
        "--env", action="append", default=[], help="NAME=value for every service (e.g. CIM_STUDENT_CACHE_TTL_S=0)"
    )
    args = parser.parse_args(argv)
    only = {kind.strip() for kind in args.only.split(",") if kind.strip()}
    if not only or only - set(KINDS):
        parser.error(f"--only takes {', '.join(KINDS)}")

    rows = []
    if only & {"graduation", "gateway"}:
        from bench import gateway, graduation
        from bench.live import running_platform

        with running_platform(dict(pair.split("=", 1) for pair in args.env)) as running:
            if "graduation" in only and args.graduates:
                result = graduation.through_the_platform(running, args.graduates)
                rows += graduation_rows(result, graduation.bare(args.graduates), args.graduates)
            sizes = [int(s) for s in args.sizes.split(",") if s]
            if "gateway" in only and sizes:
                shapes = tuple(shape for shape in args.arrivals.split(",") if shape)
                results = gateway.at_sizes(running, sizes, args.rate, args.seconds, arrivals=shapes)
                rows += gateway_rows(results, args.rate)
    if "ingest" in only:
        from bench import ingest

        rows += ingest_rows(ingest.measure(args.events))
    text = merged(rows, DOC.read_text() if DOC.exists() else "", only)
    print(text)
    if not args.no_write:
        write_doc(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
