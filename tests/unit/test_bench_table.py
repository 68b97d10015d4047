"""The benchmark suite's table: every figure beside its baseline from the same run and the ratio."""

from bench.__main__ import START, END, gateway_rows, graduation_rows, ingest_rows, merged, table


def test_the_table_puts_each_figure_beside_its_baseline_and_the_ratio():
    rows = graduation_rows({"seconds": 30.0, "certificates": 100, "supplement": 100, "emails": 100}, bare_s=40.0, n=100)
    text = table(rows).splitlines()
    assert text[0] == "| figure | value | baseline (same run) | baseline value | ratio |"
    assert text[2].startswith("| graduation batch, N=100") and text[2].endswith("| 0.75 |")
    assert "| 300 ms |" in text[2] and "| 400 ms |" in text[2]


def test_gateway_rows_compare_each_route_with_health_at_the_same_size():
    run = lambda route, rps, p99: {
        "size": 1000,
        "route": route,
        "arrivals": "spread",
        "p50": 2.0,
        "p95": 3.0,  # noqa
        "p99": p99,
        "rps": rps,
    }
    rows = gateway_rows([run("health", 100.0, 5.0), run("progress", 50.0, 40.0)], rate=100)
    assert len(rows) == 1 and rows[0]["ratio"] == 0.5
    assert "p99 40.0 ms; 50/s" in rows[0]["value"] and "p99 5.0 ms" in rows[0]["baseline_value"]
    assert table(rows).count("\n") == 2


def test_gateway_rows_show_the_services_cpu_per_request_when_measured():
    run = lambda route, cpu_ms: {
        "size": 1000,
        "route": route,
        "arrivals": "bursts",
        "p50": 2.0,
        "p95": 3.0,
        "p99": 4.0,
        "rps": 10.0,
    }
    health, progress = run("health", None), run("progress", None)
    health["cpu_ms"], progress["cpu_ms"] = 1.25, 12.5
    [row] = gateway_rows([health, progress], rate=100)
    assert row["value"].endswith("10/s; 12.5 ms CPU") and row["baseline_value"].endswith("10/s; 1.2 ms CPU")
    [row] = gateway_rows([run("health", None), run("progress", None)], rate=100)
    assert row["value"].endswith("; 10/s")


def test_gateway_rows_compare_each_way_of_arriving_with_health_arriving_the_same_way():
    run = lambda route, arrivals, rps: {
        "size": 1000,
        "route": route,
        "arrivals": arrivals,
        "p50": 2.0,
        "p95": 3.0,
        "p99": 4.0,
        "rps": rps,
    }
    results = [run("health", "spread", 100.0), run("health", "bursts", 50.0)]
    results += [run("inbox", "spread", 80.0), run("inbox", "bursts", 40.0)]
    spread, bursts = gateway_rows(results, rate=100)
    assert "evenly spaced" in spread["figure"] and spread["ratio"] == 0.8
    assert "in bursts" in bursts["figure"] and bursts["ratio"] == 0.8


def _ingest_result():
    return {
        "events": 10_000,
        "batch": 200,
        "ours": {"per_s": 1500.0, "cpu_us": 500.0, "outbox": 10_000, "commits": 60, "published_per_s": 1480.0},
        "raw": {"per_s": 3000.0, "cpu_us": 150.0},
    }


def test_the_ingest_row_puts_events_per_second_beside_the_raw_consumer():
    [row] = ingest_rows(_ingest_result())
    assert row["ratio"] == 0.5
    assert row["value"] == "1,500/s (500 µs)" and row["baseline_value"] == "3,000/s (150 µs)"
    assert row["figure"].startswith("ingest of 10,000 campus events")
    assert "all published at 1,480/s" in row["figure"]


def test_only_ingest_keeps_the_other_rows_of_the_results_block():
    earlier = graduation_rows({"seconds": 30.0, "certificates": 100, "supplement": 100, "emails": 100}, 40.0, 100)
    doc = f"# Benchmarks\n\n{START}\nMachine: the earlier one; run 2026-12-01 10:00 UTC.\n\n{table(earlier)}\n{END}\n"
    text = merged(ingest_rows(_ingest_result()), doc, {"ingest"})
    lines = text.splitlines()
    assert sum(line.startswith("| ingest of") for line in lines) == 1
    assert sum(line.startswith("| graduation batch") for line in lines) == 1  # kept
    assert "kept from: the earlier one; run 2026-12-01 10:00 UTC." in text
    # measuring ingest again replaces its row, never adds a second
    again = merged(ingest_rows(_ingest_result()), f"{START}\n{text}\n{END}", {"ingest"})
    assert sum(line.startswith("| ingest of") for line in again.splitlines()) == 1
    assert sum(line.startswith("| graduation batch") for line in again.splitlines()) == 1
    assert "kept from: the earlier one; run 2026-12-01 10:00 UTC." in again  # still the run that measured them


def test_rows_kept_from_different_runs_each_name_the_run_that_measured_them():
    first = graduation_rows({"seconds": 30.0, "certificates": 100, "supplement": 100, "emails": 100}, 40.0, 100)
    doc = f"{START}\nMachine: run A.\n\n{table(first)}\n{END}"
    after_ingest = merged(ingest_rows(_ingest_result()), doc, {"ingest"})  # graduation kept from run A
    assert "(graduation) are kept from: run A." in after_ingest
    ingest_line = next(line for line in after_ingest.splitlines() if line.startswith("Machine:"))
    later = merged(
        graduation_rows({"seconds": 20.0, "certificates": 100, "supplement": 100, "emails": 100}, 40.0, 100),
        f"{START}\n{after_ingest}\n{END}",
        {"graduation"},
    )
    # ingest now comes from the run that measured it, not from run A
    assert f"(ingest) are kept from: {ingest_line.removeprefix('Machine: ')}" in later
    assert "run A" not in later
