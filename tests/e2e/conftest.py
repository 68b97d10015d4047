"""The whole platform for end-to-end tests: every service its own process, on PostgreSQL.

Each run gets its own RabbitMQ vhost, its own databases and its own SMTP sink, so it never
meets a developer's running platform.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, urlparse

import jwt
import pytest
import requests
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric import rsa

from cim import platform
from shared.migrations import SERVICES_WITH_DATABASE
from shared.settings import REPO_ROOT, normalise_database_url
from tests.infra import amqp_uri, database_server_url, drop_database, management_url
from tests.helpers import assert_every_stored_certificate_pdf

DEV_SECRET = "e2e-development-issuer-secret"
OIDC_AUDIENCE = "cim-e2e"


class LocalIssuer:
    """A stand-in for the university's OpenID Connect issuer: discovery document and JWKS over
    HTTP, an RSA key, and tokens signed with it."""

    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update({"kid": "e2e-1", "use": "sig", "alg": "RS256"})
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                documents = {
                    "/.well-known/openid-configuration": {"issuer": issuer.url, "jwks_uri": issuer.url + "/jwks"},
                    "/jwks": {"keys": [jwk]},
                }
                body = json.dumps(documents.get(self.path, {})).encode()
                self.send_response(200 if self.path in documents else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def token(self, subject: str, role: str, **claims) -> str:
        now = datetime.now(timezone.utc)
        return jwt.encode(
            {
                "iss": self.url,
                "aud": OIDC_AUDIENCE,
                "sub": subject,
                "cim_role": role,
                "iat": now,
                "nbf": now,
                "exp": now + timedelta(hours=1),
                **claims,
            },
            self.key,
            algorithm="RS256",
            headers={"kid": "e2e-1"},
        )

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Platform:
    gateway_url: str
    amqp_uri: str
    database_urls: dict
    layout: platform.Layout
    secret: str
    issuer: LocalIssuer = field(default=None)
    redis_prefix: str = ""
    env: dict = field(default_factory=dict)  # what the services were started with
    ports: dict = field(default_factory=dict)  # service -> its HTTP port

    def query(self, service: str, sql: str, **params) -> list:
        engine = sa.create_engine(self.database_urls[service])
        try:
            with engine.connect() as conn:
                return conn.execute(sa.text(sql), params).all()
        finally:
            engine.dispose()


def _vhost(action: str, name: str, default_queue_type: str | None = None):
    api = urlparse(management_url())
    url = f"{api.scheme}://{api.hostname}:{api.port}/api"
    auth = (api.username or "guest", api.password or "guest")
    if action == "create":
        # 3.10 reads `defaultqueuetype`; later versions `default_queue_type`
        body = (
            {"defaultqueuetype": default_queue_type, "default_queue_type": default_queue_type}
            if default_queue_type
            else {}
        )
        requests.put(f"{url}/vhosts/{quote(name, safe='')}", auth=auth, timeout=10, json=body).raise_for_status()
        requests.put(
            f"{url}/permissions/{quote(name, safe='')}/{auth[0]}",
            auth=auth,
            timeout=10,
            json={"configure": ".*", "write": ".*", "read": ".*"},
        ).raise_for_status()
    else:
        requests.delete(f"{url}/vhosts/{quote(name, safe='')}", auth=auth, timeout=10)


@pytest.fixture(scope="session")
def running_platform(tmp_path_factory):
    """The platform on PostgreSQL, as it runs in production."""
    yield from _platform(tmp_path_factory, on_sqlite=False)


@pytest.fixture(scope="session")
def sqlite_platform(tmp_path_factory):
    """The platform as `bin/up` runs it with no database configured: a SQLite file per service."""
    yield from _platform(tmp_path_factory, on_sqlite=True)


def _platform(tmp_path_factory, on_sqlite: bool, queue_type: str | None = None, **settings):
    """The platform started; `queue_type` "quorum" makes every queue quorum, `settings` override
    the services' environment (the fault suite's retry limits)."""
    run = uuid.uuid4().hex[:8]
    vhost = f"cim-e2e-{run}"
    issuer = LocalIssuer()
    _vhost("create", vhost, queue_type)
    broker = urlparse(amqp_uri())
    amqp = f"{broker.scheme}://{broker.netloc}/{quote(vhost, safe='')}"
    server = sa.engine.make_url(database_server_url())
    template = server.set(database=f"e2e_{run}_{{service}}").render_as_string(hide_password=False)
    template = template.replace("%7B", "{").replace("%7D", "}")
    data_dir = tmp_path_factory.mktemp("platform")
    if on_sqlite:
        template = f"sqlite:///{data_dir}/{{service}}.db"
    layout = platform.Layout(Path(data_dir))
    layout.prepare()
    ports = {name: free_port() for name in platform.SERVICE_PORTS}
    smtp_port = free_port()
    gateway_url = f"http://127.0.0.1:{ports['gateway']}"
    env = {
        **os.environ,
        "AMQP_URI": amqp,
        "DATABASE_URL": template,
        "CIM_DATA_DIR": str(data_dir),
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_port),
        "CIM_ENV": "development",
        "CIM_DEV_ISSUER_SECRET": DEV_SECRET,
        "CIM_PUBLIC_BASE_URL": gateway_url,
        "CIM_RETRY_DELAY_MS": "500",
        "CIM_RETRY_LIMIT": "8",
        "CIM_OUTBOX_POLL_MS": "200",
        # 7 processes with a database x (2 + 3) connections at most: a platform takes 35 of
        # PostgreSQL's 100 (its default max_connections), two at once (the fault suite's) 70
        "CIM_DB_POOL_SIZE": "2",
        "CIM_DB_MAX_OVERFLOW": "3",
        # the university's issuer (a local stand-in) beside the development one
        "CIM_OIDC_ISSUER": issuer.url,
        "CIM_OIDC_AUDIENCE": OIDC_AUDIENCE,
        # generous limits here (tight ones are tested in tests/service/test_gateway_ratelimit.py);
        # a prefix of this run's own, so no other run's counters meet these
        "CIM_RATE_LIMIT_WRITES": "100000/60",
        "CIM_RATE_LIMIT_LOOKUPS": "100000/60",
        "CIM_VERIFY_FAILURES": "100000/600",
        "CIM_RATE_LIMIT_PREFIX": f"cim-e2e-{run}:rl",
        **({"CIM_QUEUE_TYPE": queue_type} if queue_type else {}),
        **settings,
    }
    # Migrations and the broker topology: their own step, through the operators' command.
    subprocess.run(
        [sys.executable, "-m", "cim", "migrate"], cwd=REPO_ROOT, env=env, check=True, capture_output=True, timeout=300
    )
    platform.start_smtp_sink(layout, smtp_port)
    for service, port in ports.items():
        platform.start_service(service, layout, env, port)
    try:
        platform.wait_healthy(ports, timeout=120, layout=layout)
    except TimeoutError:
        logs = "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in layout.logs.glob("*.log"))
        platform.stop_all(layout)
        issuer.close()
        raise AssertionError(f"the platform did not come up:\n{logs}") from None
    database_urls = {s: normalise_database_url(template.replace("{service}", s)) for s in SERVICES_WITH_DATABASE}
    yield Platform(gateway_url, amqp, database_urls, layout, DEV_SECRET, issuer, f"cim-e2e-{run}:rl", env, ports)
    try:  # every certificate the session's tests had the platform issue
        assert_every_stored_certificate_pdf(database_urls["certificates"])
    finally:
        platform.stop_all(layout)
    issuer.close()
    if not on_sqlite:
        for service in SERVICES_WITH_DATABASE:
            drop_database(database_server_url(), f"e2e_{run}_{service}")
    _vhost("delete", vhost)
