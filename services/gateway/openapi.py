"""The OpenAPI 3.1 document, generated with apispec from the routes and the same marshmallow
schemas that validate the requests (`route(body=, query=, response=)` in routing.py)."""

from __future__ import annotations

import inspect
import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from services.gateway.errors import PROBLEM_MEDIA_TYPE, problem_codes

_PATH_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")
_BINARY = {"type": "string", "format": "binary"}

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details; `type` is stable: urn:cim:problem:<code>.",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "enum": [f"urn:cim:problem:{code}" for code in problem_codes()]},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "errors": {"type": "object", "description": "per field messages (422)"},
    },
}


def routes(service_cls):
    """(handler name, handler) for every gateway route, in a stable order."""
    found = [
        (name, fn) for name, fn in inspect.getmembers(service_cls, inspect.isfunction) if getattr(fn, "cim_route", None)
    ]
    return sorted(found, key=lambda item: (item[1].cim_route[1], item[1].cim_route[0]))


def openapi_path(path: str) -> str:
    return _PATH_PARAM.sub(r"{\1}", path)


def _schema_name(schema) -> str:
    cls = schema if isinstance(schema, type) else type(schema)
    return cls.__name__


def _content(schema, produces="application/json"):
    """`produces`: one media type or several (e.g. JSON or CSV by `?format=`)."""
    content = {}
    for media_type in [produces] if isinstance(produces, str) else produces:
        if media_type == "application/json":
            content[media_type] = {"schema": schema if schema is not None else {}}
        elif media_type.startswith("text/"):
            content[media_type] = {"schema": {"type": "string"}}
        else:
            content[media_type] = {"schema": dict(_BINARY)}
    return content


def build(service_cls, title="CIM gateway API", version="1") -> dict:
    spec = APISpec(
        title=title,
        version=version,
        openapi_version="3.1.0",
        plugins=[MarshmallowPlugin(schema_name_resolver=_schema_name)],
        info={
            "description": "The Certificate of International Merits platform's HTTP API. "
            "Every /v1 route except verification and the revocation status list needs a bearer token."
        },
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    spec.components.schema("Problem", PROBLEM_SCHEMA)
    problem = {
        "description": "a problem (RFC 9457)",
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    paths: dict[str, dict] = {}
    for name, fn in routes(service_cls):
        method, path, roles = fn.cim_route
        meta = getattr(fn, "cim_openapi", {}) or {}
        doc = inspect.getdoc(fn) or ""
        operation = {
            "operationId": name,
            "summary": doc.splitlines()[0] if doc else name.replace("_", " "),
            "tags": [fn.__module__.rsplit(".", 1)[-1]],
            "description": ("Public: no token." if roles is None else f"Roles: {', '.join(roles)}.")
            + ("\n\n" + doc if doc else ""),
            "security": [] if roles is None else [{"bearer": []}],
            "parameters": [
                {"in": "path", "name": p, "required": True, "schema": {"type": "string"}}
                for p in _PATH_PARAM.findall(path)
            ],
        }
        if meta.get("query") is not None:
            operation["parameters"].append({"in": "query", "schema": meta["query"]})
        body, consumes = meta.get("body"), meta.get("consumes")
        if body is not None or consumes:
            content = {}
            if body is not None:
                content["application/json"] = {"schema": body}
            schemas = consumes if isinstance(consumes, dict) else dict.fromkeys(consumes or ())
            for media_type, given in schemas.items():
                if given is not None:  # a route that documents its own body per media type
                    content[media_type] = {"schema": given}
                    continue
                content[media_type] = {
                    "schema": {"type": "object", "properties": {"file": _BINARY}, "required": ["file"]}
                    if media_type == "multipart/form-data"
                    else dict(_BINARY)
                }
            operation["requestBody"] = {"required": meta.get("body_required", True), "content": content}
        success = {
            "description": "done",
            "content": _content(meta.get("response"), meta.get("produces") or "application/json"),
        }
        if meta.get("paged"):
            success["headers"] = {
                "X-Next-Cursor": {
                    "description": "the cursor of the next page (absent on the last)",
                    "schema": {"type": "string"},
                },
                "Link": {"description": 'rel="next": the next page', "schema": {"type": "string"}},
            }
        responses = {str(meta.get("status") or 200): success}
        if meta.get("limit"):
            responses["429"] = {
                **problem,
                "description": "too many requests; see Retry-After",
                "headers": {"Retry-After": {"schema": {"type": "integer"}}},
            }
        for status, extra in (meta.get("responses") or {}).items():  # a route's own say last
            shared = responses.get(str(status))
            if shared is not None and "content" in shared and "content" in extra:
                # both answer it (the rate limit's problem, the route's own page): both documented
                extra = {
                    **shared,
                    **extra,
                    "content": {**shared["content"], **extra["content"]},
                    "headers": {**shared.get("headers", {}), **extra.get("headers", {})},
                }
            responses[str(status)] = extra
        responses["default"] = problem
        operation["responses"] = responses
        if not operation["parameters"]:
            del operation["parameters"]
        paths.setdefault(openapi_path(path), {})[method.lower()] = operation
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return _no_null_in_query_strings(spec.to_dict())


def _no_null_in_query_strings(document: dict) -> dict:
    """A query string carries text, never a JSON null: a parameter the schema lets be None when
    absent (`load_default=None`) is documented by its type alone."""
    for operations in document["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                kind = parameter.get("schema", {}).get("type")
                if parameter["in"] == "query" and isinstance(kind, list) and "null" in kind:
                    rest = [k for k in kind if k != "null"]
                    parameter["schema"]["type"] = rest[0] if len(rest) == 1 else rest
    return document
