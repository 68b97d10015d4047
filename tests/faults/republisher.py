"""Every message delivered twice: a consumer bound to every producer's exchange that publishes
each event it sees once more onto the exchange it came from (its own copies it lets pass)."""

from __future__ import annotations

import socket
import threading
import uuid

from kombu import Connection, Queue

from shared.events.catalogue import PRODUCERS
from shared.outbox import event_exchange

COPY_HEADER = "x-fault-copy"


class Republisher:
    def __init__(self, amqp_uri: str):
        self.amqp_uri = amqp_uri
        self.copied = 0
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        if not self._ready.wait(30):
            raise AssertionError("the republisher did not bind its queue")
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self):
        with Connection(self.amqp_uri) as conn:
            channel = conn.channel()
            queue = Queue(f"fault-republisher-{uuid.uuid4().hex[:8]}", exclusive=True, auto_delete=True)(channel)
            queue.declare()
            exchanges = {}
            for producer in sorted(set(PRODUCERS.values())):
                exchange = event_exchange(producer)(channel)
                exchange.declare()
                queue.bind_to(exchange=exchange, routing_key="#")
                exchanges[exchange.name] = exchange
            publisher = conn.Producer(channel=conn.channel())

            def copy(message):  # the raw message: poison is copied too, never decoded here
                info = message.delivery_info
                if not (message.headers or {}).get(COPY_HEADER):
                    publisher.publish(
                        message.body,
                        exchange=info["exchange"],
                        routing_key=info["routing_key"],
                        headers={**(message.headers or {}), COPY_HEADER: 1},
                        content_type=message.content_type,
                        content_encoding=message.content_encoding,
                        delivery_mode=2,
                    )
                    self.copied += 1
                message.ack()

            with conn.Consumer(queue, on_message=copy):
                self._ready.set()
                while not self._stop.is_set():
                    try:
                        conn.drain_events(timeout=0.5)
                    except socket.timeout:
                        pass
