"""Frames held inside `_written_together` reach the socket together, intact and in order."""

import pytest

from shared.confirms import _written_together


class Transport:
    """What the block touches of py-amqp's transport: `_write`, the socket's sendall."""

    def __init__(self):
        self.sent = []
        self._write = self.sent.append


def test_frames_go_to_the_socket_in_one_write_at_the_end():
    transport = Transport()
    frame = bytearray(b"aaaa")
    with _written_together(transport):
        transport._write(memoryview(frame))
        frame[:] = b"bbbb"  # py-amqp reuses its buffer for the next frame
        transport._write(memoryview(frame))
        assert transport.sent == []
    assert transport.sent == [b"aaaabbbb"]
    transport._write(b"c")  # and afterwards writes go straight out again
    assert transport.sent == [b"aaaabbbb", b"c"]


def test_what_is_held_goes_out_each_time_it_reaches_the_limit():
    transport = Transport()
    with _written_together(transport, limit=6):
        for part in (b"abc", b"def", b"gh"):
            transport._write(part)
        assert transport.sent == [b"abcdef"]
    assert transport.sent == [b"abcdef", b"gh"]


def test_a_failure_inside_still_sends_what_was_written_and_restores_the_socket():
    transport = Transport()
    send = transport._write
    with pytest.raises(RuntimeError), _written_together(transport):
        transport._write(b"whole frame")
        raise RuntimeError("the next message could not be prepared")
    assert transport.sent == [b"whole frame"] and transport._write == send
