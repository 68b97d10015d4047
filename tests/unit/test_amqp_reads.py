"""AMQP frames read in chunks (shared.amqp_reads): py-amqp's own frame reader on top, fed by a
socket stand-in that hands out bytes in chosen pieces, gets the same frames whatever the cuts,
asks the socket once for a burst of frames, and loses nothing when a read times out mid-frame."""

import socket
import struct

import pytest
from amqp import transport

from shared import amqp_reads


def frame(channel: int, payload: bytes, kind: int = 1) -> bytes:
    return struct.pack(">BHI", kind, channel, len(payload)) + payload + b"\xce"


class Pieces:
    """recv() returns the next piece (at most what was asked), raises what is queued, then EOF."""

    def __init__(self, *pieces):
        self.pieces, self.calls = list(pieces), []

    def recv(self, n):
        self.calls.append(n)
        if not self.pieces:
            return b""
        piece = self.pieces.pop(0)
        if isinstance(piece, BaseException):
            raise piece
        if len(piece) > n:
            self.pieces.insert(0, piece[n:])
            piece = piece[:n]
        return piece


@pytest.fixture
def chunked():
    amqp_reads.install()
    assert amqp_reads.installed()
    yield


def a_transport(sock: Pieces) -> transport.TCPTransport:
    t = transport.TCPTransport("127.0.0.1:5672")  # not connected: reads go to the stand-in
    t._quick_recv = sock.recv
    t.connected = True
    return t


FRAMES = [frame(1, b"method" * 3), frame(1, b"h" * 20, kind=2), frame(1, b'{"id": 1}' * 50, kind=3), frame(0, b"")]
WIRE = b"".join(FRAMES)


def read_all(t, count):
    return [t.read_frame() for _ in range(count)]


def expected():
    return [(f[0], struct.unpack(">H", f[1:3])[0], f[7:-1]) for f in FRAMES]


def test_a_burst_of_frames_is_read_with_one_call(chunked):
    sock = Pieces(WIRE)
    t = a_transport(sock)
    assert read_all(t, 4) == expected()
    assert len(sock.calls) == 1 and sock.calls[0] >= amqp_reads.CHUNK


@pytest.mark.parametrize("cut", [1, 3, 7, 8, 29, 100, 511])
def test_frames_cut_anywhere_come_out_the_same(chunked, cut):
    pieces = [WIRE[i : i + cut] for i in range(0, len(WIRE), cut)]
    assert read_all(a_transport(Pieces(*pieces)), 4) == expected()


def test_a_timeout_in_the_middle_of_a_frame_loses_nothing(chunked):
    cut = len(FRAMES[0]) + 5  # the second frame's header is cut
    sock = Pieces(WIRE[:cut], socket.timeout(), WIRE[cut:])
    t = a_transport(sock)
    assert t.read_frame() == expected()[0]
    with pytest.raises(socket.timeout):
        t.read_frame()
    assert read_all(t, 3) == expected()[1:]  # the part read before the timeout was kept


def test_a_closed_connection_is_an_error_not_a_short_frame(chunked):
    with pytest.raises(OSError, match="closed"):
        a_transport(Pieces(WIRE[:10])).read_frame()


def test_stock_reads_are_py_amqps_own_inside_the_block(chunked):
    with amqp_reads.stock_reads():
        assert not amqp_reads.installed()
        sock = Pieces(WIRE)
        assert read_all(a_transport(sock), 4) == expected()
        assert len(sock.calls) > 4  # sized to each part of each frame
    assert amqp_reads.installed()
