"""Operators' view of the dead-letter queue: look at failed messages, send them back."""
from __future__ import annotations

from kombu import Connection

from shared.messaging import ATTEMPTS_HEADER, dead_letter_topology


def peek(amqp_uri: str, limit: int = 100) -> list[dict]:
    """The dead letters, with their error, without consuming them."""
    items = []
    with Connection(amqp_uri) as conn:
        channel = conn.channel()
        _, queue = dead_letter_topology()
        queue = queue(channel)
        queue.declare()
        messages = []
        for _ in range(limit):
            message = queue.get(no_ack=False)
            if message is None:
                break
            messages.append(message)
            headers = message.headers or {}
            items.append({"queue": headers.get("x-cim-original-queue"),
                          "service": headers.get("x-cim-service"),
                          "attempts": headers.get(ATTEMPTS_HEADER),
                          "failed_at": headers.get("x-cim-failed-at"),
                          "error": (headers.get("x-cim-error") or "").strip().splitlines()[-1:],
                          "body": message.body[:500]})
        for message in messages:
            message.requeue()
    return items


def replay(amqp_uri: str, limit: int = 1000) -> int:
    """Move dead letters back to the queue they failed in, with a fresh attempt count."""
    moved = 0
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as conn:
        channel = conn.channel()
        _, queue = dead_letter_topology()
        queue = queue(channel)
        queue.declare()
        producer = conn.Producer(channel=channel)
        for _ in range(limit):
            message = queue.get(no_ack=False)
            if message is None:
                break
            headers = {k: v for k, v in (message.headers or {}).items() if not k.startswith("x-cim-")}
            target = (message.headers or {}).get("x-cim-original-queue")
            if not target:
                message.reject(requeue=True)
                break
            producer.publish(message.body, exchange="", routing_key=target, headers=headers,
                             content_type=message.content_type or "application/octet-stream",
                             content_encoding=message.content_encoding or "binary",
                             delivery_mode=2)
            message.ack()
            moved += 1
    return moved
