"""Keyset paging at the source, for every list a service answers: one page is the rows after the
cursor's position in the list's order, read with `LIMIT limit + 1` (the extra row only says that
a next page exists), from an index that matches the filter and the order.

A cursor is opaque to the caller: the inbox's encoding (URL-safe base64, unpadded, of the
position's values joined by "|"), with the list's name first as the audit trail's has it
("ceremonies|2027-06-01T10:00:00+00:00|c-1"). A string that is not a cursor this list gave out
names no page: NotFound (404), as any address that names nothing.

Used by the handlers and repositories (a domain module imports only shared.errors and
shared.permissions): `PageRequest` (shared/rpc/paging.py) is what the RPC takes, `after()` adds
the position and the order to a statement, `page_of()` cuts the `limit + 1` rows read.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from shared.errors import NotFound

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
_SEPARATOR = "|"


def encode_cursor(kind: str, values: Sequence[Any]) -> str:
    """The cursor of the position `values` (the order's columns of the last item) in list `kind`."""
    parts = [kind, *(v.isoformat() if isinstance(v, datetime) else str(v) for v in values)]
    return base64.urlsafe_b64encode(_SEPARATOR.join(parts).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, kind: str, converters: Sequence[Callable[[str], Any]]) -> tuple:
    """The position a cursor of list `kind` names, each value through its converter (str, int,
    datetime.fromisoformat...); anything else names no page (404)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        name, *values = raw.split(_SEPARATOR, len(converters))
        if name != kind or len(values) != len(converters):
            raise ValueError(name)
        position = tuple(convert(value) for convert, value in zip(converters, values))
    except (ValueError, TypeError, UnicodeDecodeError):
        raise NotFound(f"no such page: the cursor is not one this list ({kind}) gave out") from None
    if any(isinstance(value, datetime) and value.tzinfo is None for value in position):
        raise NotFound(f"no such page: the cursor is not one this list ({kind}) gave out")
    return position


def aware_datetime(text: str) -> datetime:
    return datetime.fromisoformat(text)


def after(query: sa.Select, columns: Sequence[sa.ColumnElement], position: tuple | None, limit: int) -> sa.Select:
    """`query` ordered by `columns` (ascending), from after `position`, at most `limit + 1` rows."""
    if position is not None:
        typed = [sa.literal(value, column.type) for column, value in zip(columns, position)]
        query = query.where(sa.tuple_(*columns) > sa.tuple_(*typed))
    return query.order_by(*columns).limit(limit + 1)


def page_of(rows: list, limit: int, kind: str, position: Callable[[Any], Sequence[Any]]) -> dict:
    """One page from the `limit + 1` rows read after the cursor: {items, next_cursor}."""
    items = list(rows[:limit])
    more = len(rows) > limit
    return {"items": items, "next_cursor": encode_cursor(kind, position(items[-1])) if more and items else None}
