"""Reconciliation with a campus system's snapshot export: what differs, and the corrections.

Modelled on Open edX's `notify_credentials`: a dry run by default that prints what it would
send; `--apply` sends corrections through the same idempotent path as live events (the campus
edge's intake), never deletes anything, and refuses to run without a filter or `--all`.
A correction's CloudEvent id is derived from its row, so applying the same export twice sends
nothing the second time (a duplicate by source and id).
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from shared.campus import contract

SOURCE = "urn:cim:reconcile:{system}"
# The type each system's export rows become; records' rows are degrees, or name changes
# (a `legal_name` column).
ROW_TYPES = {
    "lms": contract.LMS_ENROLMENT_CREATED,
    "mobility": contract.MOBILITY_EXCHANGE_COMPLETED,
    "events": contract.EVENTS_ATTENDANCE_RECORDED,
    "records": contract.RECORDS_DEGREE_CONFERRED,
}
DATE_COLUMNS = ("enrolled_at", "end_date", "date", "conferred_on", "effective_at", "unenrolled_at")


@dataclass
class Differences:
    missing: list[dict] = field(default_factory=list)  # in the export, not in the platform
    different: list[dict] = field(default_factory=list)  # in both, with other values
    extra: list[str] = field(default_factory=list)  # in the platform, not in the export
    same: int = 0

    def corrections(self) -> list[dict]:
        return self.missing + self.different


def row_type(system: str, row: dict) -> str:
    if system == "records" and "legal_name" in row:
        return contract.RECORDS_NAME_CHANGED
    return ROW_TYPES[system]


def read_export(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8-sig") as f:
        return [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in csv.DictReader(f)]


def _key(event_type: str, data: dict) -> tuple:
    return tuple(str(data.get(name, "")) for name in contract.INBOUND_SPECS[event_type].key)


def selected(rows: list[dict], student: str | None, since: str | None) -> list[dict]:
    out = [r for r in rows if student is None or r.get("student_ref") == student]
    if since:
        out = [r for r in out if any((r.get(c) or "")[:10] >= since for c in DATE_COLUMNS if c in r)]
    return out


def compare(system: str, rows: list[dict], held: dict) -> Differences:
    """`held` is the edge's answer: what the system reported that the platform applied
    (`reported`, data as sent) and the registered people (`people`)."""
    known = {}
    for item in held.get("reported", []):
        if item["status"] == "expired":
            continue
        known[(item["type"], _key(item["type"], item["data"]))] = item["data"]
    registered = {p["subject"] for p in held.get("people", []) if p["status"] == "registered"}
    found = Differences()
    seen = set()
    for row in rows:
        event_type = row_type(system, row)
        key = (event_type, _key(event_type, row))
        seen.add(key)
        data = known.get(key)
        if data is None:
            if event_type == contract.LMS_ENROLMENT_CREATED and row.get("student_ref") in registered:
                found.same += 1  # registered (by themselves): the enrolment holds
            else:
                found.missing.append(row)
        elif any(str(data.get(k, "")) != v for k, v in row.items() if v != ""):
            found.different.append(row)
        else:
            found.same += 1
    found.extra = sorted(
        "/".join(key[1]) for key in known if key not in seen and contract.INBOUND_SPECS[key[0]].system == system
    )
    return found


def correction(system: str, row: dict) -> dict:
    """The row as a structured CloudEvent; its id is the hash of the row (same row, same id)."""
    event_type = row_type(system, row)
    schema = contract.INBOUND_SPECS[event_type].schema()
    data = {k: v for k, v in row.items() if v != "" and k in schema.fields}
    digest = hashlib.sha256(json.dumps([event_type, data], sort_keys=True).encode()).hexdigest()
    return {
        "specversion": "1.0",
        "id": f"reconcile-{digest[:32]}",
        "type": event_type,
        "source": SOURCE.format(system=system),
        "datacontenttype": "application/json",
        "data": data,
    }
