"""Operators' commands: start what is not running, restart one service, health, seed the directory,
revoke or re-issue a certificate.

Changes go through the owning service's RPC wherever one exists (coordinators: approvals'
`put_coordinator`; certificates: `revoke`, `reissue`), as an admin actor named by `--operator`.
Study programmes have no RPC (a migration seeds them), so `cim seed` writes them into
registration's own `programmes` table, as that migration does.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

from shared.permissions import ADMIN, Actor
from shared.settings import load_settings

OPERATOR_ISSUER = "cim-operator"  # not an identity provider: the actor is the operator at a console
PROGRAMME_FIELDS = ("code", "name_en", "name_sv")


def operator_actor(subject: str) -> dict:
    return Actor(issuer=OPERATOR_ISSUER, subject=subject, role=ADMIN).to_dict()


def rpc_config() -> dict:
    return {"AMQP_URI": load_settings("cim").amqp_uri, "serializer": "json"}


# --- the local platform: up, restart, status ----------------------------------------------------


def up(args, env: dict, migrate) -> list[str]:
    """Start every process that is not running (the others keep running); returns those started."""
    from cim import platform

    layout = platform.Layout(load_settings("cim").data_dir)
    layout.prepare()
    migrate()
    started = []
    if not platform.running(layout, "smtp"):
        platform.start_smtp_sink(layout, int(env["SMTP_PORT"]))
        started.append("smtp")
    for service, port in platform.SERVICE_PORTS.items():
        if not platform.running(layout, service):
            platform.start_service(service, layout, env, port)
            started.append(service)
    platform.wait_healthy(platform.SERVICE_PORTS, timeout=args.timeout, layout=layout)
    return started


def restart(service: str, env: dict, timeout: float = 120):
    from cim import platform

    layout = platform.Layout(load_settings("cim").data_dir)
    layout.prepare()
    platform.stop(layout, service)
    platform.start_service(service, layout, env, platform.SERVICE_PORTS[service])
    platform.wait_healthy({service: platform.SERVICE_PORTS[service]}, timeout=timeout, layout=layout)


def health_lines(ports: dict[str, int], get) -> tuple[list[str], bool]:
    """One line per service from `get(url)` (a requests-like function); all healthy or not."""
    lines, healthy = [], True
    for service, port in ports.items():
        try:
            response = get(f"http://127.0.0.1:{port}/health", timeout=3)
            lines.append(f"{service:14} {response.status_code} {response.text.strip()}")
            healthy = healthy and response.status_code == 200
        except Exception as exc:  # refused, timed out: the service is down
            lines.append(f"{service:14} down ({type(exc).__name__})")
            healthy = False
    return lines, healthy


def cmd_status(args):
    import requests

    from cim import platform

    lines, healthy = health_lines(platform.SERVICE_PORTS, requests.get)
    print("\n".join(lines))
    sys.exit(0 if healthy else 1)


def cmd_restart(args):
    from cim.cli import local_env

    restart(args.service, local_env(), timeout=args.timeout)
    print(f"restarted {args.service}")


# --- seed the directory ---------------------------------------------------------------------


def read_seed(path: Path) -> dict:
    """The seed file: `programmes` (code, name_en, name_sv) and `coordinators` (subject,
    programmes, optional name, email, leave), each a list; anything else is refused."""
    data = yaml.safe_load(Path(path).read_text()) or {}
    if not isinstance(data, dict) or set(data) - {"programmes", "coordinators"}:
        raise ValueError("a seed file has only `programmes:` and `coordinators:` lists")
    programmes = data.get("programmes") or []
    coordinators = data.get("coordinators") or []
    for item in programmes:
        if (
            not isinstance(item, dict)
            or set(item) != set(PROGRAMME_FIELDS)
            or not all(isinstance(item[k], str) and item[k] for k in PROGRAMME_FIELDS)
        ):
            raise ValueError(f"a programme has exactly {', '.join(PROGRAMME_FIELDS)}: {item!r}")
    for item in coordinators:
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("subject"), str)
            or not isinstance(item.get("programmes"), list)
        ):
            raise ValueError(f"a coordinator has a subject and a list of programmes: {item!r}")
    return {"programmes": programmes, "coordinators": coordinators}


def seed_programmes(database_url: str, programmes: list[dict]) -> int:
    """Insert or update programmes in registration's database, in one transaction."""
    import sqlalchemy as sa

    from shared.db import create_engine

    table = sa.table("programmes", *(sa.column(name) for name in PROGRAMME_FIELDS))
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            for item in programmes:
                names = {"name_en": item["name_en"], "name_sv": item["name_sv"]}
                changed = conn.execute(table.update().where(table.c.code == item["code"]).values(**names)).rowcount
                if not changed:
                    conn.execute(table.insert().values(code=item["code"], **names))
    finally:
        engine.dispose()
    return len(programmes)


def seed_coordinators(approvals, actor: dict, coordinators: list[dict]) -> list[dict]:
    """Each coordinator through approvals' `put_coordinator` RPC (it validates and alerts)."""
    return [
        approvals.put_coordinator(actor, item["subject"], {k: v for k, v in item.items() if k != "subject"})
        for item in coordinators
    ]


def cmd_seed(args):
    from shared.messaging import ClusterRpcProxy

    seed = read_seed(args.file)
    if seed["programmes"]:
        from cim.cli import local_env

        url = load_settings("registration", env=local_env()).database_url
        print(f"programmes: {seed_programmes(url, seed['programmes'])} written to registration")
    if seed["coordinators"]:
        with ClusterRpcProxy(rpc_config(), timeout=30) as cluster:
            done = seed_coordinators(cluster.approvals, operator_actor(args.operator), seed["coordinators"])
        print(f"coordinators: {', '.join(c['subject'] for c in done)} put through approvals")


# --- certificates -----------------------------------------------------------------------------


def certificate_call(certificates, action: str, code: str, reason: str, operator: str) -> dict:
    method = {"revoke": certificates.revoke, "reissue": certificates.reissue}[action]
    return method(operator_actor(operator), code, {"reason": reason})


def cmd_certificate(args):
    from shared.messaging import ClusterRpcProxy

    with ClusterRpcProxy(rpc_config(), timeout=args.timeout) as cluster:
        result = certificate_call(cluster.certificates, args.action, args.code, args.reason, args.operator)
    print(json.dumps(result, default=str, indent=2))


def register(sub):
    """Adds restart, seed and certificate to `cim`'s subcommands (cim/cli.py calls this)."""
    from cim.platform import SERVICE_PORTS

    p = sub.add_parser("restart", help="stop and start one service of the local platform")
    p.add_argument("service", choices=sorted(SERVICE_PORTS))
    p.add_argument("--timeout", type=float, default=120)
    p.set_defaults(func=cmd_restart)

    p = sub.add_parser("seed", help="write programmes and coordinators from a YAML file")
    p.add_argument("file", type=Path)
    p.add_argument("--operator", default="cim-operator", help="the admin subject recorded")
    p.set_defaults(func=cmd_seed)

    p = sub.add_parser("certificate", help="revoke or re-issue a certificate (as an admin)")
    p.add_argument("action", choices=("revoke", "reissue"))
    p.add_argument("code")
    p.add_argument("--reason", required=True)
    p.add_argument("--operator", default="cim-operator", help="the admin subject recorded")
    p.add_argument("--timeout", type=float, default=120, help="seconds (a re-issue renders a PDF)")
    p.set_defaults(func=cmd_certificate)
    return sub


def parser() -> argparse.ArgumentParser:
    """Only these commands, for tests of their arguments."""
    root = argparse.ArgumentParser(prog="cim")
    register(root.add_subparsers(dest="command", required=True))
    return root
