"""Where the tests' real RabbitMQ and PostgreSQL come from.

Order: the URLs in the environment (CI and the development machines run both locally), else
testcontainers on a machine with Docker, else a clear error. Never a skip.
"""

from __future__ import annotations

import functools
import os
import socket
from urllib.parse import urlparse

import sqlalchemy as sa

DEFAULT_AMQP = "amqp://guest:guest@127.0.0.1:5672/"
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"


class InfrastructureMissing(RuntimeError):
    pass


def _answers(url: str, default_port: int) -> bool:
    parts = urlparse(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), 2):
            return True
    except OSError:
        return False


def _docker_available() -> bool:
    try:
        import docker

        docker.from_env().ping()
        return True
    except Exception:
        return False


_containers = []


@functools.lru_cache(maxsize=None)
def amqp_uri() -> str:
    url = os.environ.get("AMQP_URI")
    if url:
        return url
    if _answers(DEFAULT_AMQP, 5672):
        return DEFAULT_AMQP
    if _docker_available():
        from testcontainers.rabbitmq import RabbitMqContainer

        container = RabbitMqContainer("rabbitmq:3.13-management").start()
        _containers.append(container)
        host, port = container.get_container_host_ip(), container.get_exposed_port(5672)
        os.environ["RABBIT_CTL_URI"] = f"http://guest:guest@{host}:{container.get_exposed_port(15672)}"
        return f"amqp://guest:guest@{host}:{port}/"
    raise InfrastructureMissing(
        "No RabbitMQ: set AMQP_URI, start one locally (rabbitmq-server -detached, with "
        "rabbitmq-plugins enable rabbitmq_management), or run Docker for testcontainers."
    )


def management_url() -> str:
    amqp_uri()
    if os.environ.get("RABBIT_CTL_URI"):
        return os.environ["RABBIT_CTL_URI"]
    host = urlparse(amqp_uri()).hostname or "127.0.0.1"
    return f"http://guest:guest@{host}:15672"


@functools.lru_cache(maxsize=None)
def database_server_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if url and "{service}" not in url:
        return url
    if _answers(DEFAULT_PG, 5432):
        return DEFAULT_PG
    if _docker_available():
        from testcontainers.postgres import PostgresContainer

        container = PostgresContainer("postgres:16", driver="pg8000").start()
        _containers.append(container)
        return container.get_connection_url()
    raise InfrastructureMissing(
        "No PostgreSQL: set TEST_DATABASE_URL, start one locally "
        "(pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start), "
        "or run Docker for testcontainers."
    )


def _server_engine(server_url: str) -> sa.Engine:
    from shared.settings import normalise_database_url

    url = sa.engine.make_url(normalise_database_url(server_url)).set(database="postgres")
    return sa.create_engine(url, isolation_level="AUTOCOMMIT")


def create_database(server_url: str, name: str) -> str:
    from shared.settings import normalise_database_url

    engine = _server_engine(server_url)
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return (
        sa.engine.make_url(normalise_database_url(server_url)).set(database=name).render_as_string(hide_password=False)
    )


def drop_database(server_url: str, name: str):
    engine = _server_engine(server_url)
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()
