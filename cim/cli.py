"""`cim` subcommands: dev-token, migrate, up, down, status, demo, dlq (and cim/operate.py's)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from shared.permissions import ROLES
from shared.settings import load_settings

BROKER_HELP = (
    "RabbitMQ does not answer at {uri}.\n"
    "Start one: `rabbitmq-server -detached` (Debian package rabbitmq-server), or\n"
    "`docker compose up -d rabbitmq`, or set AMQP_URI to a broker that runs."
)


def _platform_env(settings) -> dict:
    """Environment for the service processes: one database per service."""
    env = dict(os.environ)
    url = os.environ.get("DATABASE_URL")
    if url and "{service}" not in url and not url.startswith("sqlite"):
        # A server URL: each service gets its own database on it, cim_<service>.
        base, _, _ = url.rpartition("/")
        env["DATABASE_URL"] = f"{base}/cim_{{service}}"
    env.setdefault("CIM_DATA_DIR", str(settings.data_dir))
    return env


def cmd_dev_token(args):
    from services.gateway.auth import issue_dev_token

    settings = load_settings("gateway")
    print(issue_dev_token(settings.dev_issuer_secret, args.sub, args.role, name=args.name, email=args.email))


def cmd_migrate(args):
    from shared import topology
    from shared.migrations import SERVICES_WITH_DATABASE, upgrade

    env = _platform_env(load_settings("cim"))
    os.environ.update({k: v for k, v in env.items() if k == "DATABASE_URL"})
    services = args.service or SERVICES_WITH_DATABASE
    for service in services:
        settings = load_settings(service)
        print(f"migrating {service}: {settings.database_url.split('@')[-1]}")
        upgrade(service, settings.database_url)
    if not args.skip_broker:
        settings = load_settings("cim")
        topology.declare(settings.amqp_uri, settings.retry_delay_ms)
        print("declared the broker topology (queues, retry and dead-letter queues)")


def local_env() -> dict:
    """The environment the local platform's processes run with (one database per service, the
    local SMTP sink unless SMTP_HOST says otherwise)."""
    from cim import platform

    env = _platform_env(load_settings("cim"))
    env.setdefault("SMTP_HOST", "127.0.0.1")
    env.setdefault("SMTP_PORT", str(platform.SMTP_PORT))
    return env


def cmd_up(args):
    """Migrate, then start whatever is not running yet (cim/operate.py)."""
    from cim import operate, platform

    settings = load_settings("cim")
    if not platform.broker_answers(settings.amqp_uri):
        sys.exit(BROKER_HELP.format(uri=settings.amqp_uri.split("@")[-1]))
    env = local_env()
    os.environ.update({k: v for k, v in env.items() if k == "DATABASE_URL"})
    try:
        started = operate.up(args, env, lambda: cmd_migrate(argparse.Namespace(service=None, skip_broker=False)))
    except TimeoutError as exc:
        sys.exit(f"{exc}\nLogs: {platform.Layout(settings.data_dir).logs}")
    layout = platform.Layout(settings.data_dir)
    print(f"The CIM platform is up: gateway http://127.0.0.1:{platform.SERVICE_PORTS['gateway']}")
    print(f"  started: {', '.join(started) or 'nothing (all were running)'}")
    print(f"  logs: {layout.logs}   mail (Maildir): {layout.mail}/new")
    print(f"  database: {env.get('DATABASE_URL') or 'SQLite files in ' + str(settings.data_dir)}")
    print("  try: cim demo      restart one: cim restart SERVICE      stop: bin/down")


def cmd_down(args):
    from cim import platform

    layout = platform.Layout(load_settings("cim").data_dir)
    stopped = platform.stop_all(layout) if layout.pids.exists() else []
    print(f"stopped: {', '.join(stopped) or 'nothing was running'}")


def cmd_status(args):
    from cim import operate

    operate.cmd_status(args)


def cmd_demo(args):
    from cim import journey, platform

    settings = load_settings("gateway")
    out = Path(args.out or settings.data_dir / "demo")
    result = journey.run(args.url, settings.dev_issuer_secret, out)
    print(f"\nCertificate PDF: {result['pdf_path']}")
    print(f"Verification:    {result['certificate']['verify_url']}")
    mail = platform.Layout(settings.data_dir).mail / "new"
    print(f"Emails to {result['email']}: {mail} (one file per message)")


def cmd_dlq(args):
    """list [--source S] [--json] | show ID | replay ID.. | replay --all | discard ID --reason R"""
    from shared import deadletters

    settings = load_settings("cim")
    uri = settings.amqp_uri
    if args.action == "list":
        letters = deadletters.peek(uri, limit=args.limit, source=args.source)
        if args.json:
            print(json.dumps([letter.summary() for letter in letters], default=str, indent=2))
        for letter in [] if args.json else letters:
            print(
                f"{letter.id}  {letter.failed_at or '-':32}  {letter.queue or '-'}\n"
                f"    {letter.source or '-'} {letter.event_type or ''}: {letter.reason}"
            )
        if not args.json:
            print(f"{len(letters)} dead letter(s)")
    elif args.action == "show":
        letter = deadletters.show(uri, _one(args))
        if letter is None:
            raise SystemExit(f"no dead letter {args.ids[0]}")
        print(json.dumps({**letter.summary(), "error": letter.error, "body": letter.body}, default=str, indent=2))
    elif args.action == "replay":
        if not args.ids and not args.all:
            raise SystemExit("name the dead letters to replay, or --all")
        moved = deadletters.replay(uri, ids=None if args.all else args.ids, source=args.source, limit=args.limit)
        print(f"replayed {moved} message(s) to their original queues")
    else:
        if not args.reason:
            raise SystemExit("a discard needs --reason")
        letter = deadletters.discard(
            uri,
            _one(args),
            args.reason,
            by=os.environ.get("USER", "cim"),
            journal=settings.data_dir / "dead-letters-discarded.jsonl",
        )
        if letter is None:
            raise SystemExit(f"no dead letter {args.ids[0]}")
        print(f"discarded {letter.id} ({letter.queue}): logged with the reason")


def _one(args) -> str:
    if len(args.ids) != 1:
        raise SystemExit(f"{args.action} takes one dead letter id")
    return args.ids[0]


def cmd_docs(args):
    from cim import docs

    docs.write()
    print("wrote docs/events.md, docs/api.md, docs/asyncapi.yaml and docs/personal-data.md")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="cim", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("dev-token", help="print a token from the development issuer")
    p.add_argument("--sub", required=True)
    p.add_argument("--role", required=True, choices=ROLES)
    p.add_argument("--name")
    p.add_argument("--email")
    p.set_defaults(func=cmd_dev_token)

    p = sub.add_parser("migrate", help="run every service's migrations and declare the broker topology")
    p.add_argument("--service", action="append")
    p.add_argument("--skip-broker", action="store_true")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("up", help="migrate and start what is not running: services, gateway, SMTP sink")
    p.add_argument("--timeout", type=float, default=120)
    p.set_defaults(func=cmd_up)

    sub.add_parser("down", help="stop everything `cim up` started").set_defaults(func=cmd_down)
    sub.add_parser("status", help="each service's /health (exit 1 unless all are healthy)").set_defaults(
        func=cmd_status
    )

    p = sub.add_parser("demo", help="run the whole journey against the running platform")
    p.add_argument("--url", default="http://127.0.0.1:8000")
    p.add_argument("--out")
    p.set_defaults(func=cmd_demo)

    sub.add_parser("docs", help="regenerate docs/events.md, api.md, asyncapi.yaml, personal-data.md").set_defaults(
        func=cmd_docs
    )

    p = sub.add_parser("dlq", help="list, show, replay or discard dead-lettered messages")
    p.add_argument("action", choices=("list", "show", "replay", "discard"))
    p.add_argument("ids", nargs="*", help="dead letter id(s) (from `cim dlq list`)")
    p.add_argument("--source", help="only those of a source (a campus system, a service)")
    p.add_argument("--json", action="store_true", help="list as JSON")
    p.add_argument("--all", action="store_true", help="replay every one (of --source)")
    p.add_argument("--reason", help="why a dead letter is discarded (logged)")
    p.add_argument("--limit", type=int, default=1000)
    p.set_defaults(func=cmd_dlq)

    from cim import campus

    campus.register(sub)  # publisher-user, events, reconcile

    from cim import operate

    operate.register(sub)  # restart, seed, certificate
    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
