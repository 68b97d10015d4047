"""`cim campus ...`: broker users for campus publishers, the inbound log, reconciliation."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from urllib.parse import quote, unquote, urlparse

from shared.settings import SettingsSource, load_settings


def management(amqp_uri: str) -> tuple[str, tuple[str, str], str]:
    """The management API's base URL, credentials and the vhost, from the broker's URI (or
    CIM_RABBIT_MANAGEMENT_URL, e.g. https://admin:secret@rabbit.example.org:15671)."""
    broker = urlparse(amqp_uri)
    vhost = unquote(broker.path[1:]) if broker.path not in ("", "/") else "/"
    given = SettingsSource("cim").get("CIM_RABBIT_MANAGEMENT_URL")
    api = urlparse(given) if given else broker._replace(scheme="http", netloc=f"{broker.hostname}:15672")
    auth = (api.username or broker.username or "guest", api.password or broker.password or "guest")
    return f"{api.scheme}://{api.hostname}:{api.port or 15672}/api", auth, vhost


def publisher_user(amqp_uri: str, name: str, password: str | None = None) -> tuple[str, str, dict]:
    """Create (or reset) the broker user of campus system `name`: write on its own exchange
    only, no reads, no configure. Returns the user, its password and its permissions."""
    import requests

    from shared.broker_access import campus_publisher_access
    from shared.campus.contract import SYSTEMS

    if name not in SYSTEMS:
        raise SystemExit(f"unknown campus system {name!r}: one of {', '.join(SYSTEMS)}")
    access = campus_publisher_access(name)
    api, auth, vhost = management(amqp_uri)
    password = password or secrets.token_urlsafe(24)
    user = access.user
    requests.put(
        f"{api}/users/{quote(user, safe='')}", auth=auth, timeout=10, json={"password": password, "tags": ""}
    ).raise_for_status()
    permissions = access.regexes()
    requests.put(
        f"{api}/permissions/{quote(vhost, safe='')}/{quote(user, safe='')}", auth=auth, timeout=10, json=permissions
    ).raise_for_status()
    return user, password, permissions


def cmd_publisher_user(args):
    settings = load_settings("cim")
    user, password, permissions = publisher_user(settings.amqp_uri, args.name, args.password)
    print(json.dumps({"user": user, "password": password, "permissions": permissions}, indent=2))


def _edge(method: str, *args):
    from cim.operate import operator_actor, rpc_config
    from shared.messaging import ClusterRpcProxy

    with ClusterRpcProxy(rpc_config(), timeout=60) as cluster:
        return getattr(cluster.campus, method)(operator_actor("cim-cli"), *args)


def cmd_events(args):
    query = {
        k: v
        for k, v in {
            "system": args.system,
            "status": args.status,
            "student_ref": args.student,
            "limit": args.limit,
        }.items()
        if v
    }
    for entry in _edge("inbound_log", query):
        print(json.dumps(entry))


def cmd_reconcile(args):
    from cim import reconcile

    rows = reconcile.selected(reconcile.read_export(Path(args.file)), args.student, args.since)
    if args.apply and not (args.student or args.since or args.all):
        raise SystemExit("--apply needs --student, --since or --all (what to correct)")
    found = reconcile.compare(args.source, rows, _edge("reported", args.source))
    print(
        f"{args.source}: {len(rows)} row(s); {found.same} the same, {len(found.missing)} "
        f"missing, {len(found.different)} different, {len(found.extra)} only in the platform"
    )
    for kind, items in (("missing", found.missing), ("different", found.different)):
        for row in items:
            print(f"  {kind}: {json.dumps(row, ensure_ascii=False)}")
    for key in found.extra:
        print(f"  only in the platform (left alone): {key}")
    events = [reconcile.correction(args.source, row) for row in found.corrections()]
    if not args.apply:
        print(f"dry run: {len(events)} correction(s) would be sent; --apply to send them")
        return
    if events:
        results = _edge("receive", events, "reconcile")["results"]
        sent = sum(r["status"] == "accepted" for r in results)
        print(f"applied: {sent} correction(s) accepted, {len(results) - sent} already sent before")
    else:
        print("applied: nothing to correct")


def register(sub):
    campus = sub.add_parser("campus", help="campus systems: publisher users, inbound log, reconcile")
    commands = campus.add_subparsers(dest="campus_command", required=True)
    p = commands.add_parser(
        "publisher-user", help="create a campus system's broker user (write on its own exchange, nothing else)"
    )
    p.add_argument("name", help="lms, mobility, events or records")
    p.add_argument("--password", help="default: a new random one, printed once")
    p.set_defaults(func=cmd_publisher_user)
    p = commands.add_parser("events", help="the inbound log, newest first")
    p.add_argument("--system")
    p.add_argument("--status", choices=("forwarded", "waiting", "expired"))
    p.add_argument("--student", help="a student_ref")
    p.add_argument("--limit", type=int, default=100)
    p.set_defaults(func=cmd_events)
    p = commands.add_parser("reconcile", help="compare a snapshot export with the platform; dry run unless --apply")
    p.add_argument("--source", required=True, choices=("lms", "mobility", "events", "records"))
    p.add_argument("--file", required=True, help="CSV with a header row: the event's data fields")
    p.add_argument("--apply", action="store_true", help="send the corrections")
    p.add_argument("--student", help="only this student_ref")
    p.add_argument("--since", help="only rows dated on or after YYYY-MM-DD")
    p.add_argument("--all", action="store_true", help="every row (needed to --apply unfiltered)")
    p.set_defaults(func=cmd_reconcile)
