"""Database plumbing: engines, the messaging tables every service has, and the unit of work.

PostgreSQL is reached through pg8000, a pure-Python driver whose sockets eventlet makes green
(docs/decisions/0003-database-driver.md); SQLite is the zero-setup default of the local run.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from shared import pg_driver
from shared.events import PRODUCERS, exchange_name, make_event
from shared.personal_data import classified

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(sa.types.TypeDecorator):
    """Timestamps stored as UTC and always read back timezone-aware (SQLite forgets zones)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC")
        return value.astimezone(timezone.utc) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


def service_metadata() -> sa.MetaData:
    """A service's MetaData, holding the outbox and the processed-events tables it needs."""
    metadata = sa.MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    sa.Table(
        "outbox",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("exchange", sa.String(100), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("correlation_id", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("published_at", UTCDateTime, nullable=True, index=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text, nullable=True),
        info=classified(
            erasure="published rows that name the student are deleted; retention purges old published rows",
            content={
                "payload": "events carry the state they announce (names, emails, titles)",
                "last_error": "the broker's answer, may quote the payload",
            },
            none=(
                "id",
                "event_id",
                "event_type",
                "exchange",
                "correlation_id",
                "created_at",
                "published_at",
                "attempts",
            ),
        ),
    )
    sa.Table(
        "processed_events",
        metadata,
        sa.Column("consumer", sa.String(200), primary_key=True),
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("handled_at", UTCDateTime, nullable=False),
        info=classified(none=("consumer", "event_id", "event_type", "handled_at")),
    )
    return metadata


WROTE = "cim_wrote"  # in a pooled connection's info: a statement other than a SELECT was sent


def _track_writes(engine: sa.Engine) -> sa.Engine:
    """Mark a connection that sent anything but a SELECT, until it goes back to the pool (the
    unit of work of an RPC claims its request id only when the call changed something)."""

    @sa_event.listens_for(engine, "before_cursor_execute")
    def _note(conn, _cursor, statement, _parameters, _context, _executemany):
        if statement[:32].lstrip()[:6].upper() != "SELECT":
            conn.info[WROTE] = True

    @sa_event.listens_for(engine, "checkin")
    def _forget(_dbapi_connection, record):
        record.info.pop(WROTE, None)

    return engine


def create_engine(url: str, pool_size: int = 10, max_overflow: int = 10) -> sa.Engine:
    return _track_writes(_create_engine(url, pool_size, max_overflow))


def _create_engine(url: str, pool_size: int, max_overflow: int) -> sa.Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @sa_event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    engine = sa.create_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=max_overflow)
    if engine.dialect.driver == "pg8000":
        pg_driver.adapt_engine(engine)
    return engine


def insert_rows(session: Session, table: sa.Table, rows: list[dict], conflict=(), returning=()) -> list:
    """Insert many rows in one statement; with `conflict` (the columns of a unique key) a row
    whose key is there already, or earlier in `rows`, is skipped. Returns the `returning`
    columns of the rows inserted.

    On PostgreSQL the rows travel as ONE JSON parameter read by `json_to_recordset`, in order:
    the statement's text is the same for any number of rows, so neither SQLAlchemy (compiling)
    nor pg8000 (rewriting placeholders, escaping array items) does work per row or per value.
    A value too long for its column fails the statement as a plain insert would. Elsewhere
    (SQLite, the zero-setup run) it is one statement per row.
    """
    if not rows:
        return []
    columns = list(rows[0])
    if session.bind.dialect.name != "postgresql":
        from sqlalchemy.dialects.sqlite import insert

        found = []
        for row in rows:
            statement = insert(table).values(row)
            if conflict:
                statement = statement.on_conflict_do_nothing(index_elements=list(conflict))
            if returning:
                found += session.execute(statement.returning(*(table.c[name] for name in returning))).all()
            else:
                session.execute(statement)
        return found
    dialect = session.bind.dialect
    shape = ", ".join(
        f"{name} {'text' if isinstance(table.c[name].type, sa.String) else table.c[name].type.compile(dialect=dialect)}"
        for name in columns
    )
    names = ", ".join(columns)
    sql = (  # WITH ORDINALITY numbers the rows as they come: inserted (and returned) in that order
        f"INSERT INTO {table.name} ({names}) SELECT {names} "
        f"FROM ROWS FROM (json_to_recordset(CAST(:rows AS json)) AS ({shape})) WITH ORDINALITY AS r({names}, cim_row) "
        "ORDER BY cim_row"
    )
    if conflict:
        sql += f" ON CONFLICT ({', '.join(conflict)}) DO NOTHING"
    if returning:
        sql += f" RETURNING {', '.join(returning)}"
    payload = json.dumps(rows, default=_json_value)  # the encoder asks only for what JSON lacks
    result = session.execute(sa.text(sql), {"rows": payload})
    return result.all() if returning else []


def _json_value(value):
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC")
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not a column value insert_rows can send")


def among(column, ids: list[int], dialect_name: str):
    """`column IN ids`; on PostgreSQL as one parameter (the ids joined in one text), so neither
    SQLAlchemy nor pg8000 handles a placeholder per id."""
    if dialect_name == "postgresql":
        joined = ",".join(str(int(i)) for i in ids)
        return column == sa.func.any(sa.cast(sa.func.string_to_array(joined, ","), sa.ARRAY(sa.BigInteger)))
    return column.in_(ids)


def among_texts(column, values, dialect_name: str):
    """`column IN values` for texts; on PostgreSQL as one JSON parameter (any text, commas and
    quotes included), so a batch's 200 values are not 200 placeholders to compile and send."""
    values = list(values)
    if dialect_name == "postgresql":
        listed = sa.cast(sa.bindparam(None, json.dumps(values), type_=sa.Text), sa.JSON)
        return column.in_(sa.select(sa.func.json_array_elements_text(listed)))
    return column.in_(values)


class AlreadyHandled(Exception):
    """This consumer has already handled this event: the effect exists, do nothing."""


@dataclass
class RequestClaim:
    """An RPC request's id, claimed (in processed_events, as `consumer`) by the first unit of work
    of its worker that changes something, in that change's transaction: a request the broker
    delivers again after a crash can then be known as applied (shared/rpc_entrypoint.py)."""

    consumer: str
    request_id: str
    claimed: bool = False


class UnitOfWork:
    """One database transaction and the service's repository over it.

    The one place a use case commits: leaving the `with` block without an exception commits
    (the state, the outbox rows and the handled event id together); an exception rolls back.
    Use cases never call `commit()` themselves.
    """

    def __init__(
        self,
        session_factory,
        producer: str,
        correlation_id: str | None = None,
        on_commit=None,
        repository=None,
        request: RequestClaim | None = None,
    ):
        self._request = request
        self._session_factory = session_factory
        self._repository = repository
        self.producer = producer
        self.correlation_id = correlation_id
        self._on_commit = on_commit
        self.session: Session | None = None
        self.repo = None
        self._events_added = False

    def __enter__(self) -> "UnitOfWork":
        self.session = self._session_factory()
        self.repo = self._repository(self.session) if self._repository else None
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                self.commit()
        finally:
            try:
                self.session.rollback()
            finally:
                self.session.close()

    def commit(self):
        claiming = self._request is not None and not self._request.claimed and self._wrote()
        if claiming:  # AlreadyHandled when an earlier delivery of the request committed its change
            self.claim(self._request.consumer, self._request.request_id, "rpc.request")
        self.session.commit()
        if claiming:
            self._request.claimed = True
        if self._events_added and self._on_commit:
            self._events_added = False
            self._on_commit()

    def _wrote(self) -> bool:
        if not self.session.in_transaction():
            return False
        return bool(self.session.connection().info.pop(WROTE, False))

    def flush(self):
        """Send pending rows now (so a unique index or a reference sees them) without committing."""
        self.session.flush()

    def publish(self, event_type: str, data: dict, correlation_id: str | None = None) -> dict:
        """Record an event in the outbox; it leaves when (and only if) the transaction commits.

        `correlation_id` names what set this event off when one unit of work handles several
        (a batch of inbound events); by default the unit of work's own."""
        return self.publish_all([(event_type, data, correlation_id)])[0]

    def publish_all(self, events: list[tuple[str, dict, str | None]]) -> list[dict]:
        """`publish` for many (event type, data, correlation id) at once: one INSERT, in order."""
        envelopes = [self._envelope(event_type, data, correlation_id) for event_type, data, correlation_id in events]
        if envelopes:
            now = utcnow()
            insert_rows(
                self.session,
                MESSAGING_TABLES["outbox"],
                [
                    {
                        "event_id": envelope["event_id"],
                        "event_type": envelope["event_type"],
                        "exchange": exchange_name(self.producer),
                        "payload": json.dumps(envelope),
                        "correlation_id": envelope["correlation_id"],
                        "created_at": now,
                        "attempts": 0,
                    }
                    for envelope in envelopes
                ],
            )
            self._events_added = True
        return envelopes

    def _envelope(self, event_type: str, data: dict, correlation_id: str | None) -> dict:
        producer = PRODUCERS.get(event_type)
        if producer != self.producer:
            raise ValueError(f"{self.producer} may not publish {event_type} (its producer is {producer})")
        return make_event(
            event_type, data, producer=self.producer, correlation_id=correlation_id or self.correlation_id
        )

    def claim(self, consumer: str, event_id: str, event_type: str):
        """Record that `consumer` handles `event_id`, under the primary key, in this transaction.

        A concurrent duplicate blocks on the key until the first commits and then fails here,
        so check-then-insert races cannot apply an effect twice.
        """
        table = MESSAGING_TABLES["processed_events"]
        try:
            self.session.execute(
                table.insert().values(consumer=consumer, event_id=event_id, event_type=event_type, handled_at=utcnow())
            )
        except IntegrityError:
            self.session.rollback()  # the failed insert aborted the transaction; nothing of it stays
            raise AlreadyHandled(f"{consumer} already handled {event_id}") from None


# Core tables for statements; each service's own MetaData carries identical copies for Alembic.
MESSAGING_TABLES: dict[str, sa.Table] = dict(service_metadata().tables)


def make_session_factory(engine: sa.Engine):
    return sessionmaker(bind=engine, expire_on_commit=False)
