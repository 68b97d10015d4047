"""The personal-data vocabulary the tables are marked with, and the inventory read back from them.

Every table says, in `info=classified(...)`, which of its columns hold personal data, of which
kind and why, and what erasure does to the table (as Open edX annotates its models with `pii`
and `pii_retirement`). A column in no list is unclassified: tests/unit/test_personal_data.py
fails, so a new column cannot arrive without someone deciding what it holds. The marks live in
`Table.info` (not in the database schema), so they need no migration.
"""

from __future__ import annotations

import importlib

KINDS = {
    "identifier": "links a row to a person (their id, or a staff member's account)",
    "contact": "names a person or reaches them (name, email address)",
    "content": "what a person wrote, sent or received (descriptions, evidence, reports, messages)",
    "none": "holds nothing about a person",
}
INFO_KEY = "personal_data"


def classified(
    *,
    erasure: str = "",
    identifier: dict | None = None,
    contact: dict | None = None,
    content: dict | None = None,
    none: tuple = (),
) -> dict:
    """A table's `info`: personal columns with their reason per kind, the others by name."""
    columns = {name: ("none", "") for name in none}
    for kind, named in (("identifier", identifier), ("contact", contact), ("content", content)):
        for name, reason in (named or {}).items():
            columns[name] = (kind, reason)
    return {INFO_KEY: {"erasure": erasure, "columns": columns}}


def classification(table) -> dict:
    """{column: (kind, reason)} as the table declares it ({} when it declares nothing)."""
    return table.info.get(INFO_KEY, {}).get("columns", {})


def erasure(table) -> str:
    return table.info.get(INFO_KEY, {}).get("erasure", "")


def problems(table) -> list[str]:
    """What is wrong with a table's marks: unclassified or unknown columns, missing reasons."""
    marks = classification(table)
    found = [f"{table.name}.{c.name} is not classified" for c in table.columns if c.name not in marks]
    names = {c.name for c in table.columns}
    found += [f"{table.name}.{name} is classified but no such column" for name in marks if name not in names]
    for name, (kind, reason) in marks.items():
        if kind != "none" and not reason:
            found.append(f"{table.name}.{name} holds {kind} data but gives no reason")
    if any(kind != "none" for kind, _ in marks.values()) and not erasure(table):
        found.append(f"{table.name} holds personal data but does not say what erasure does to it")
    return found


def service_tables(service: str) -> list:
    """A data-owning service's tables, in name order."""
    metadata = importlib.import_module(f"services.{service}.orm").metadata
    return sorted(metadata.tables.values(), key=lambda t: t.name)
