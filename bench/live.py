"""The whole platform for a benchmark (live processes): every service its own process (as `cim up` runs them) on
the local RabbitMQ (a vhost of its own) and PostgreSQL (databases of their own), an SMTP sink,
generous rate limits; everything removed afterwards. Loopback only."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlparse

import sqlalchemy as sa

from cim import platform
from shared.migrations import SERVICES_WITH_DATABASE
from shared.settings import REPO_ROOT, normalise_database_url
from tests.e2e.conftest import _vhost, free_port
from tests.infra import amqp_uri, database_server_url, drop_database

SECRET = "bench-development-secret-0123456789"


@dataclass
class Running:
    gateway_url: str
    amqp: str
    database_urls: dict
    layout: platform.Layout
    secret: str
    ports: dict


@contextlib.contextmanager
def running_platform(extra_env: dict | None = None):
    run = uuid.uuid4().hex[:8]
    vhost = f"cim-bench-{run}"
    _vhost("create", vhost)
    broker = urlparse(amqp_uri())
    amqp = f"{broker.scheme}://{broker.netloc}/{quote(vhost, safe='')}"
    server = sa.engine.make_url(database_server_url())
    template = server.set(database=f"bench_{run}_{{service}}").render_as_string(hide_password=False)
    template = template.replace("%7B", "{").replace("%7D", "}")
    with tempfile.TemporaryDirectory(prefix="cim-bench-") as data_dir:
        layout = platform.Layout(Path(data_dir))
        layout.prepare()
        ports = {name: free_port() for name in platform.SERVICE_PORTS}
        smtp_port = free_port()
        gateway_url = f"http://127.0.0.1:{ports['gateway']}"
        env = {
            **os.environ,
            "AMQP_URI": amqp,
            "DATABASE_URL": template,
            "CIM_DATA_DIR": data_dir,
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(smtp_port),
            "CIM_ENV": "development",
            "CIM_DEV_ISSUER_SECRET": SECRET,
            "CIM_PUBLIC_BASE_URL": gateway_url,
            "CIM_RATE_LIMIT_WRITES": "1000000/60",
            "CIM_RATE_LIMIT_LOOKUPS": "1000000/60",
            "CIM_RATE_LIMIT_PREFIX": f"cim-bench-{run}:rl",
            "LOG_LEVEL": "WARNING",
            **(extra_env or {}),
        }
        subprocess.run(
            [sys.executable, "-m", "cim", "migrate"],
            cwd=REPO_ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=300,
        )
        platform.start_smtp_sink(layout, smtp_port)
        for service, port in ports.items():
            platform.start_service(service, layout, env, port)
        try:
            platform.wait_healthy(ports, timeout=180, layout=layout)
            yield Running(
                gateway_url,
                amqp,
                {s: normalise_database_url(template.replace("{service}", s)) for s in SERVICES_WITH_DATABASE},
                layout,
                SECRET,
                ports,
            )
        finally:
            platform.stop_all(layout)
            _vhost("delete", vhost)
            for service in SERVICES_WITH_DATABASE:
                drop_database(database_server_url(), f"bench_{run}_{service}")
