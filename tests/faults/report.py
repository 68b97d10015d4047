"""docs/reliability.md's figures table: each scenario's row replaced by its latest run, the
others kept, so running part of the suite updates only its own rows."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

from shared.settings import REPO_ROOT

DOCUMENT = REPO_ROOT / "docs" / "reliability.md"
COLUMNS = [
    "scenario",
    "journeys",
    "completed",
    "sent",
    "processed",
    "lost",
    "duplicated",
    "resent",
    "dead_lettered",
    "poison",
    "seconds",
    "holds",
    "run",
]
BEGIN, END = "<!-- figures: begin (written by tests/faults) -->", "<!-- figures: end -->"
LAST_TABLE = ""


def parse(text: str) -> dict[str, dict]:
    """The rows of the figures table in a document, by scenario."""
    inside = text.partition(BEGIN)[2].partition(END)[0]
    rows = {}
    for line in inside.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == len(COLUMNS) and cells[0] not in ("scenario",) and not set(cells[0]) <= {"-"}:
            rows[cells[0]] = dict(zip(COLUMNS, cells))
    return rows


def render(rows: dict[str, dict]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for name in sorted(rows):
        lines.append("| " + " | ".join(str(rows[name].get(c, "")) for c in COLUMNS) + " |")
    return "\n".join(lines)


def merged(text: str, new_rows: list[dict]) -> str:
    rows = parse(text)
    run = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M")
    for row in new_rows:
        rows[row["scenario"]] = {**row, "run": run}
    table = render(rows)
    block = f"{BEGIN}\n{table}\n{END}"
    if BEGIN in text and END in text:
        return re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: block, text, flags=re.S)
    return text.rstrip("\n") + "\n\n" + block + "\n"


def write(new_rows: list[dict], document: Path = DOCUMENT):
    global LAST_TABLE
    text = document.read_text(encoding="utf-8") if document.exists() else "# Reliability\n"
    updated = merged(text, new_rows)
    document.write_text(updated, encoding="utf-8")
    LAST_TABLE = updated.partition(BEGIN)[2].partition(END)[0].strip()
