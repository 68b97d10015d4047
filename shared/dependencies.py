"""nameko dependency providers shared by every service: the database (with its outbox relay)."""

from __future__ import annotations

import logging
import time

import sqlalchemy as sa
from nameko.extensions import DependencyProvider
from nameko.rpc import Rpc

from shared import metrics
from shared.db import (
    MESSAGING_TABLES,
    AlreadyHandled,
    RequestClaim,
    UnitOfWork,
    create_engine,
    make_session_factory,
)
from shared.logging import note_service
from shared.outbox import OutboxRelay
from shared.rpc_replies import REQUEST_ID
from shared.settings import Settings, load_settings

log = logging.getLogger(__name__)


class WorkerDatabase:
    """What a worker sees: units of work, idempotent event consumption, a health probe."""

    def __init__(self, provider: "Database", worker_ctx):
        self._provider = provider
        self._worker_ctx = worker_ctx
        request_id = worker_ctx.context_data.get(REQUEST_ID) if isinstance(worker_ctx.entrypoint, Rpc) else None
        self._request = RequestClaim(provider.request_consumer, request_id) if request_id else None

    @property
    def settings(self) -> Settings:
        return self._provider.settings

    def unit_of_work(self) -> UnitOfWork:
        ctx = self._worker_ctx
        return UnitOfWork(
            self._provider.session_factory,
            producer=self._provider.container.service_name,
            correlation_id=ctx.context_data.get("correlation_id") or ctx.call_id,
            on_commit=self._provider.relay.wake,
            repository=self._provider.repository,
            request=self._request,
        )

    def consume(self, envelope, handler):
        """Apply `handler(uow, data)` once per (this entrypoint, event_id); duplicates do nothing.

        The handled event id is claimed in the effect's transaction, which commits when the
        unit of work closes (and so before nameko acknowledges the message)."""
        consumer = f"{self._provider.container.service_name}.{self._worker_ctx.entrypoint.method_name}"
        with self.unit_of_work() as uow:
            try:
                uow.claim(consumer, envelope.event_id, envelope.event_type)
            except AlreadyHandled:
                log.info("%s: %s %s already handled", consumer, envelope.event_type, envelope.event_id)
                return None
            return handler(uow, envelope.data)

    def ping(self):
        with self._provider.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))

    def observe_outbox(self):
        """Reads the outbox backlog into its gauges; a database failure leaves them as they were
        (the scrape still answers, and /health says what is wrong)."""
        try:
            self._provider.relay.observe_backlog()
        except Exception as exc:
            log.warning("outbox backlog not read for /metrics: %s", exc)


class Database(DependencyProvider):
    """One engine per container (created at start-up from settings), one outbox relay beside it.

    `repository` is the service's repository class: each unit of work has one, as `uow.repo`.
    """

    def __init__(self, repository=None, **kwargs):
        super().__init__(**kwargs)
        self.repository = repository

    def setup(self):
        note_service(self.container.service_name)
        self.settings = load_settings(self.container.service_name, self.container.config)
        self.engine = create_engine(
            self.settings.database_url, pool_size=self.settings.db_pool_size, max_overflow=self.settings.db_max_overflow
        )
        self.session_factory = make_session_factory(self.engine)
        self.relay = OutboxRelay(
            self.engine,
            self.settings.amqp_uri,
            poll_interval=self.settings.outbox_poll_ms / 1000,
            service=self.container.service_name,
        )
        self._rpc_started = {}

    def start(self):
        self.relay.start()

    def stop(self):
        self.relay.stop()
        self.engine.dispose()

    def kill(self):
        self.stop()

    def get_dependency(self, worker_ctx):
        return WorkerDatabase(self, worker_ctx)

    @property
    def request_consumer(self) -> str:
        """Under which name this service's RPC requests are claimed in processed_events."""
        return f"{self.container.service_name}.rpc"

    def request_applied(self, request_id: str) -> bool:
        """Whether an RPC request with this id changed something here (its claim committed)."""
        table = MESSAGING_TABLES["processed_events"]
        query = sa.select(table.c.event_id).where(
            table.c.consumer == self.request_consumer, table.c.event_id == request_id
        )
        with self.engine.connect() as conn:
            return conn.execute(query).first() is not None

    # Every service with a database has this provider, so it times the service's RPC methods.
    def worker_setup(self, worker_ctx):
        if isinstance(worker_ctx.entrypoint, Rpc):
            self._rpc_started[worker_ctx] = time.monotonic()

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        started = self._rpc_started.pop(worker_ctx, None)
        if started is not None:
            metrics.observe_rpc(
                self.container.service_name,
                worker_ctx.entrypoint.method_name,
                time.monotonic() - started,
                ok=exc_info is None,
            )


class Config(DependencyProvider):
    """The service's settings, loaded once at start-up (for services without a database)."""

    def setup(self):
        note_service(self.container.service_name)
        self.settings = load_settings(self.container.service_name, self.container.config)

    def get_dependency(self, worker_ctx):
        return self.settings


class CorrelationId(DependencyProvider):
    """The request's correlation id: taken from `X-Correlation-ID` or made, passed on through RPC.

    It lives in the worker's context data, which nameko forwards as message headers to every RPC
    call, and the unit of work stamps it on every event.
    """

    HEADER = "X-Correlation-ID"

    def get_dependency(self, worker_ctx):
        # nameko injects dependencies before any worker_setup hook, so the id is settled here.
        import uuid

        request = worker_ctx.args[0] if worker_ctx.args else None
        given = getattr(request, "headers", {}).get(self.HEADER) if request is not None else None
        # `context_data` is a copy; `data` is what nameko forwards with every RPC call.
        if given and len(given) <= 200 and given.isprintable():
            worker_ctx.data["correlation_id"] = given
        else:
            worker_ctx.data.setdefault("correlation_id", str(uuid.uuid4()))
        return worker_ctx.data["correlation_id"]
