"""Cursor paging of every list: `?cursor=&limit=`, the next page's cursor in X-Next-Cursor and a
`Link: <...>; rel="next"` header. Every list is paged at the source: the owning service reads one
page (keyset, shared/keyset.py) and answers {items, next_cursor}; the gateway passes the query
through and turns the answer into the body and those headers, and never receives a whole list.
A cursor is opaque to the caller; a string that is not a cursor the list gave out names no page:
404, like any other address that names nothing."""

from __future__ import annotations

from urllib.parse import urlencode

from marshmallow import fields, validate

from shared.keyset import DEFAULT_LIMIT, MAX_LIMIT
from shared.rpc import CURSOR_DESCRIPTION, Payload

PAGE_MAX = MAX_LIMIT
NO_PAGE = "no such page: the cursor is not one this list gave out"


class PageQuery(Payload):
    """`?cursor=&limit=` of every list: `limit` items after the position `cursor` names."""

    cursor = fields.String(validate=validate.Length(min=1, max=200), metadata={"description": CURSOR_DESCRIPTION})
    limit = fields.Integer(
        validate=validate.Range(min=1, max=PAGE_MAX),
        metadata={"description": f"page size, at most {PAGE_MAX}; {DEFAULT_LIMIT} when absent"},
    )


def next_page_headers(request, cursor: str) -> dict:
    """X-Next-Cursor and a Link to the next page: this request's query with `cursor` replaced."""
    args = {**request.args.to_dict(flat=True), "cursor": cursor}
    return {"X-Next-Cursor": cursor, "Link": f'<{request.path}?{urlencode(args)}>; rel="next"'}


QUERY_KEY = "cim.query"  # route() leaves the validated query string here


def page_query(request) -> dict:
    """The paging arguments of this request as the route's query schema loaded them, for the
    owning service (which validates them again: its RPC is its own contract)."""
    asked = request.environ.get(QUERY_KEY) or {}
    return {name: asked[name] for name in ("cursor", "limit") if asked.get(name) is not None}


def page_answer(request, page: dict) -> tuple[list, dict]:
    """The items of the page the owning service cut, and the headers that point at the next one."""
    if not isinstance(page, dict) or "items" not in page:
        raise TypeError("a paged route answers the owning service's page: {items, next_cursor}")
    headers = next_page_headers(request, page["next_cursor"]) if page.get("next_cursor") else {}
    return page["items"], headers
