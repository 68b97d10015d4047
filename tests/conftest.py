"""Test fixtures shared by every tier.

eventlet must patch the standard library before anything else is imported, or nameko's
container tests hang: this stays the first statement of the file.
"""

import eventlet

eventlet.monkey_patch()  # noqa: E402  (must precede every other import)

import os  # noqa: E402
import uuid  # noqa: E402

import pytest  # noqa: E402

from tests.infra import amqp_uri, database_server_url, management_url  # noqa: E402


def pytest_configure(config):
    # nameko's own fixtures (rabbit_config, container_factory) read these options.
    if hasattr(config.option, "RABBIT_AMQP_URI"):
        config.option.RABBIT_AMQP_URI = amqp_uri()
        config.option.RABBIT_API_URI = management_url()


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server URL (environment, else testcontainers, else a clear error)."""
    return database_server_url()


@pytest.fixture
def database_url(pg_server):
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    from tests.infra import create_database, drop_database

    name = f"cim_test_{uuid.uuid4().hex[:12]}"
    url = create_database(pg_server, name)
    yield url
    drop_database(pg_server, name)


@pytest.fixture
def service_config(rabbit_config, database_url, tmp_path):
    """nameko config for one service under test: its own vhost and its own database."""
    config = dict(rabbit_config)
    config.update(
        {
            "DATABASE_URL": database_url,
            "CIM_DATA_DIR": str(tmp_path),
            "CIM_RETRY_DELAY_MS": "200",
            "CIM_OUTBOX_POLL_MS": "100",
            "WEB_SERVER_ADDRESS": "127.0.0.1:0",
        }
    )
    return config


@pytest.fixture(autouse=True)
def _no_stray_database_env(monkeypatch):
    """Tests pass URLs explicitly; a developer's DATABASE_URL must not leak into a service."""
    for key in list(os.environ):
        if key.endswith("DATABASE_URL") and key != "TEST_DATABASE_URL":
            monkeypatch.delenv(key, raising=False)
