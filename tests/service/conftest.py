"""The service tier: one service in a nameko container, against a real broker and database.

What is real here: RabbitMQ (each test its own vhost, from nameko's `rabbit_config`), PostgreSQL
(each test its own empty database, migrated by Alembic as `cim migrate` would), and where a test
needs them Redis and an SMTP server on loopback. Nothing is mocked: a service is started with
`start_service(ServiceClass)` and driven through its entrypoints (`call`, `entrypoint_waiter`)
and by publishing real events (`tests.helpers.publish_event`).
"""

import pytest
from nameko.testing.services import entrypoint_hook

from shared.migrations import SERVICES_WITH_DATABASE
from tests.helpers import migrate


@pytest.fixture
def start_service(container_factory, service_config, database_url):
    """`start_service(ServiceClass, **config)`: migrate its database, start it, return the container."""

    def start(service_cls, **config):
        if service_cls.name in SERVICES_WITH_DATABASE:
            migrate(service_cls.name, database_url)
        container = container_factory(service_cls, {**service_config, **config})
        container.start()
        return container

    return start


def call(container, method: str, *args, **kwargs):
    """Call one entrypoint of a running container, as the gateway's RPC would."""
    with entrypoint_hook(container, method) as hook:
        return hook(*args, **kwargs)
