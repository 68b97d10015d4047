"""Reading AMQP frames off the socket in chunks (decision 23).

py-amqp reads each frame with three `recv` calls sized to what it needs next (the 7-byte
header, the payload, the end octet): a delivery is three frames, so nine system calls, each
through eventlet's green socket (a Python loop around the call). `install()` makes the plain
TCP transport ask for at least `CHUNK` bytes per call and keep what comes beyond the frame in
the buffer py-amqp already keeps for a frame cut short (`_read_buffer`), so a burst of
deliveries is read with one call per chunk. What a read returns, and how a timeout or a closed
connection surfaces, is as before.
"""

from __future__ import annotations

import contextlib
import errno
import socket

from amqp import transport

CHUNK = 64 * 1024
_RETRY = (errno.EAGAIN, errno.EINTR)


# The unread bytes are a chunk and a position in it: handing out a frame's part moves the
# position (slicing off the rest each time would copy the chunk's tail for every part).
def _get_unread(self) -> bytes:
    return self.__dict__.get("_cim_chunk", b"")[self.__dict__.get("_cim_at", 0) :]


def _set_unread(self, value: bytes):
    """py-amqp sets its buffer when a connection starts and puts back a frame cut short."""
    self._cim_chunk, self._cim_at = value, 0


def _read(self, n, initial=False):
    """Exactly n bytes: from what is buffered, then from the socket a chunk at a time."""
    chunk, at = self.__dict__.get("_cim_chunk", b""), self.__dict__.get("_cim_at", 0)
    end = at + n
    if len(chunk) >= end:
        self._cim_at = end
        return chunk[at:end]
    parts = [chunk[at:]]
    have = len(parts[0])
    try:
        while have < n:
            try:
                got = self._quick_recv(max(n - have, CHUNK))
            except OSError as exc:
                if exc.errno in _RETRY:
                    if initial and self.raise_on_initial_eintr:
                        raise socket.timeout() from None
                    continue
                raise
            if not got:
                raise OSError("Server unexpectedly closed connection")
            parts.append(got)
            have += len(got)
    except BaseException:
        _set_unread(self, b"".join(parts))  # nothing read is lost: the next read starts with it
        raise
    data = b"".join(parts) if len(parts) > 1 else parts[0]
    self._cim_chunk, self._cim_at = data, n
    return data[:n]


_STOCK_READ = transport.TCPTransport._read


def install():
    """Once per process, before connections are made (idempotent)."""
    transport.TCPTransport._read_buffer = property(_get_unread, _set_unread)
    transport.TCPTransport._read = _read


def installed() -> bool:
    return transport.TCPTransport._read is _read


@contextlib.contextmanager
def stock_reads():
    """py-amqp's own reads inside the block, for connections made and closed in it (the
    benchmarks' bare-consumer baseline is stock kombu)."""
    was = installed()
    if was:
        del transport.TCPTransport._read_buffer
        transport.TCPTransport._read = _STOCK_READ
    try:
        yield
    finally:
        if was:
            install()
