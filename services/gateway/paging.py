"""Cursor paging of every list: `?cursor=&limit=`, the next page's cursor in X-Next-Cursor and a
`Link: <...>; rel="next"` header. A cursor is opaque to the caller (here an offset, encoded; a
service paging at the source gives out its own keyset cursors); a string that is not a cursor
this API gave out names no page: 404, like any other address that names nothing.

This module slices a list the owning service returned whole: only for the short lists (a
student's own activities, the directory); the big ones page at the source (routing.SOURCE)."""

from __future__ import annotations

import base64
import binascii
import json
from urllib.parse import urlencode

from marshmallow import fields, validate

from shared.errors import NotFound
from shared.rpc import CURSOR_DESCRIPTION, Payload

PAGE_MAX = 500
NO_PAGE = "no such page: the cursor is not one this list gave out"


class PageQuery(Payload):
    """`?cursor=&limit=` of every list: `limit` items after the position `cursor` names."""

    cursor = fields.String(validate=validate.Length(min=1, max=200), metadata={"description": CURSOR_DESCRIPTION})
    limit = fields.Integer(
        validate=validate.Range(min=1, max=PAGE_MAX),
        metadata={"description": f"page size, at most {PAGE_MAX}; all when absent"},
    )


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        offset = json.loads(raw)["o"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise NotFound(NO_PAGE) from None
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise NotFound(NO_PAGE)
    return offset


def next_page_headers(request, cursor: str) -> dict:
    """X-Next-Cursor and a Link to the next page: this request's query with `cursor` replaced."""
    args = {**request.args.to_dict(flat=True), "cursor": cursor}
    return {"X-Next-Cursor": cursor, "Link": f'<{request.path}?{urlencode(args)}>; rel="next"'}


def page(request, items: list, query: dict) -> tuple[list, dict]:
    """The slice of `items` the query asks for, and the headers that point at the next one."""
    start = decode_cursor(query["cursor"]) if query.get("cursor") else 0
    limit = query.get("limit")
    if limit is None and start == 0:
        return items, {}
    end = len(items) if limit is None else start + limit
    headers = next_page_headers(request, encode_cursor(end)) if end < len(items) else {}
    return items[start:end], headers
