"""What we change in pg8000 (decision 3), a pure-Python driver whose per-statement work is CPU
in the service process, and whose socket is opened with the kernel's defaults:
- **Nagle's algorithm off** (TCP_NODELAY): pg8000 writes through an 8 KB socket file, so a
  statement with a larger parameter (a batch of inbound events, a sealed PDF) leaves in several
  writes, and with Nagle on the last one waited for PostgreSQL's delayed acknowledgement: a
  SELECT of a 20 KB parameter took 44 ms, 0.65 ms with it off (tests/service/test_pg_driver.py).
- **Placeholders**: before sending a statement, it rewrites `%s` into `$1, $2, ...` by scanning
  the SQL character by character (`pg8000.dbapi.convert_paramstyle`). SQLAlchemy sends the same
  compiled text again and again, so the rewritten text is remembered by the statement's text.
  For a 4-table read of approvals' progress this scan was 1.3 ms of a 5.7 ms call (cProfile).
  Only the `format` style (the one SQLAlchemy's pg8000 dialect uses) is remembered: its output
  depends on the text alone, and the parameters pass through unchanged. Other styles, and a
  text that fails to convert, go to pg8000 as before (an error is never remembered).
- **One round trip per statement**: pg8000 runs a statement in three exchanges, each ended by
  a Sync and waited for (parse; describe; bind and execute), and a COMMIT the same way. Nothing
  it sends in the later ones depends on the answers to the earlier (parameters and results
  travel as text, their types from the Python values), so here the four messages go in one
  write with one Sync, and the answers are read once (`execute_in_one_trip`). An error at any
  step is the same ErrorResponse, raised the same way, after the server skipped to the Sync.
  COPY (a statement with a stream) keeps pg8000's own steps.
- **Timestamps**: pg8000 reads `timestamptz`/`timestamp`/`date` values with `strptime`; the
  C `datetime.fromisoformat` reads PostgreSQL's text form (`2026-12-03 09:00:00.12+05:30`)
  directly. What it cannot read (`infinity`, years before 1) goes to pg8000's own reader.
- **The pool's pre-ping** leaves no transaction open (`ping`), so AUTOCOMMIT means it.

`shared.db.create_engine` calls `adapt_engine` for every PostgreSQL engine: it installs the
module-wide changes (idempotent), gives the engine's pool this ping, and runs `adapt_connection`
on each of its new connections.
"""

from __future__ import annotations

import functools
import socket
from datetime import date, datetime

import pg8000.converters
import pg8000.core
import pg8000.exceptions
import pg8000.legacy
import sqlalchemy.event

PLACEHOLDER_MEMORY = 2048  # distinct statement texts remembered (SQLAlchemy's own cache is 500 per engine)

TIMESTAMPTZ, TIMESTAMP, DATE = pg8000.converters.TIMESTAMPTZ, pg8000.converters.TIMESTAMP, pg8000.converters.DATE
_convert = pg8000.legacy.convert_paramstyle


@functools.lru_cache(maxsize=PLACEHOLDER_MEMORY)
def _rewritten(query: str) -> str:
    return _convert("format", query, ())[0]


def convert_paramstyle(style, query, args):
    """pg8000's `convert_paramstyle`, its `format` rewrite remembered by the statement's text."""
    if style == "format":
        return _rewritten(query), args
    return _convert(style, query, args)


_stepwise_execute = pg8000.core.CoreConnection.execute_unnamed


def execute_in_one_trip(self, statement, vals=(), oids=(), stream=None):
    """pg8000's `CoreConnection.execute_unnamed` with its exchanges pipelined: parse, describe,
    bind and execute written together, one Sync, the answers read until the server is ready."""
    if stream is not None:
        return _stepwise_execute(self, statement, vals, oids, stream)
    params = pg8000.core.make_params(self.py_types, vals)  # before anything is sent: a bad value sends nothing
    context = pg8000.core.Context(statement)
    sock = self._sock
    if sock is None:
        raise pg8000.exceptions.InterfaceError("connection is closed")
    self.send_PARSE(pg8000.core.NULL_BYTE, statement, oids)
    self.send_DESCRIBE_STATEMENT(pg8000.core.NULL_BYTE)
    self.send_BIND(pg8000.core.NULL_BYTE, params)
    self.send_EXECUTE()
    pg8000.core._write(sock, pg8000.core.SYNC_MSG)
    pg8000.core._flush(sock)
    self.handle_messages(context)
    return context


def ping(dbapi_connection) -> bool:
    """The pool's pre-ping (SQLAlchemy's `do_ping`) as an empty query in the simple protocol.
    SQLAlchemy's own pings with `SELECT 1` through a pg8000 cursor, which first sends BEGIN and
    leaves that transaction open: a connection then set to AUTOCOMMIT ran its statements inside
    it, and they were rolled back when it went back to the pool (an ANALYZE, a CREATE INDEX
    CONCURRENTLY refused). This leaves no transaction open; the unit of work begins its own."""
    dbapi_connection.execute_simple("")
    return True


def install() -> None:
    pg8000.legacy.convert_paramstyle = convert_paramstyle
    pg8000.core.CoreConnection.execute_unnamed = execute_in_one_trip


def adapt_engine(engine) -> None:
    """Everything this module changes, for one SQLAlchemy engine on pg8000."""
    install()
    engine.dialect.do_ping = ping  # this engine's pool pings without opening a transaction
    sqlalchemy.event.listen(engine, "connect", lambda connection, _record: adapt_connection(connection))


def _reader(fast, slow):
    def read(text: str):
        try:
            return fast(text)
        except ValueError:
            return slow(text)

    return read


_timestamptz_in = _reader(datetime.fromisoformat, pg8000.converters.timestamptz_in)
_timestamp_in = _reader(datetime.fromisoformat, pg8000.converters.timestamp_in)
_date_in = _reader(date.fromisoformat, pg8000.converters.date_in)


def adapt_connection(dbapi_connection) -> None:
    """Give one new pg8000 connection the fast readers of timestamps and dates, and Nagle's
    algorithm off on its TCP socket (a statement larger than the socket file's 8 KB buffer
    leaves in several writes; with Nagle on, the last waits for the server's delayed
    acknowledgement of the others)."""
    sock = getattr(dbapi_connection, "_usock", None)
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    dbapi_connection.register_in_adapter(TIMESTAMPTZ, _timestamptz_in)
    dbapi_connection.register_in_adapter(TIMESTAMP, _timestamp_in)
    dbapi_connection.register_in_adapter(DATE, _date_in)
