"""One page of a list, as every list RPC takes and answers it (shared/keyset.py reads it)."""

from __future__ import annotations

from dataclasses import dataclass

from marshmallow import fields, validate

from shared.keyset import DEFAULT_LIMIT, MAX_LIMIT
from shared.rpc import CURSOR_DESCRIPTION, Payload, dump, load


@dataclass(frozen=True)
class Page:
    """`limit` items after the position `cursor` names (the first page when None)."""

    cursor: str | None = None
    limit: int = DEFAULT_LIMIT


FIRST_PAGE = Page()  # of the default size


class PageRequest(Payload):
    command = Page
    cursor = fields.String(
        load_default=None, validate=validate.Length(min=1, max=300), metadata={"description": CURSOR_DESCRIPTION}
    )
    limit = fields.Integer(
        load_default=DEFAULT_LIMIT,
        validate=validate.Range(min=1, max=MAX_LIMIT),
        metadata={"description": f"page size, at most {MAX_LIMIT}; {DEFAULT_LIMIT} when absent"},
    )


def load_page(query) -> Page:
    """The page an RPC's `query` argument asks for (None: the first, of the default size)."""
    return load(PageRequest, query or {})


def dump_page(item_schema, page: dict) -> dict:
    """A page of `item_schema` items as the caller receives it: {items, next_cursor}."""
    return {"items": dump(item_schema, page["items"], many=True), "next_cursor": page["next_cursor"]}
