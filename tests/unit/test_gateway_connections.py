"""The gateway's connections send each write at once (TCP_NODELAY): with Nagle's algorithm on, a
response over eventlet's 8 KB buffer waited for the client's delayed acknowledgement (40 ms on a
kept-alive connection) before its body left."""

import socket

from services.gateway.web import ProblemWebServer


class _Recorder:
    def __init__(self):
        self.requests = []

    def process_request(self, request):
        self.requests.append(request)


def test_every_accepted_connection_has_nagle_off_before_the_server_reads_it():
    listener = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(listener.getsockname())
    accepted, address = listener.accept()
    try:
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0  # the kernel's default
        server = ProblemWebServer()
        server._serv = _Recorder()
        server.process_request(accepted, address)
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
        assert len(server._serv.requests) == 1 and accepted in server._serv.requests[0]
    finally:
        for s in (client, accepted, listener):
            s.close()
