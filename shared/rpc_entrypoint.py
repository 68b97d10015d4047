"""The `@rpc` entrypoint of every service: nameko's, whose reply survives the broker being away.

nameko publishes an RPC's reply from the worker's result handler. When the broker is away then
(restarting, or the connection cut) that publish raises after a few seconds of retries, the
exception leaves the worker thread, and nameko kills the container: the process exits. Here the
reply is published again, attempt after attempt, for up to `REPLY_RIDE_OUT_S` (long enough for a
broker restart); if the broker is still away it is dropped with a warning. The worker's effect
is committed either way (once, in its unit of work): the caller does not get this reply, times
out and may call again. The request is acknowledged if its channel is still open; if the
connection broke meanwhile the broker has already put it back and delivers it again; that
second delivery is answered with the first reply, not run again (`shared.rpc_replies`). A
process that died before the acknowledgement forgot its replies; its change is known by the
request's id, claimed in the change's own transaction (`shared.db.RequestClaim`), and the second
delivery is then not run (decision 21).

Services use `shared.rpc_entrypoint.rpc`, never `nameko.rpc.rpc`: every `@rpc` of a service
must be this one, since one consumer (per entrypoint class) reads the service's `rpc-<name>` queue.
"""

from __future__ import annotations

import logging
import time

import eventlet
from eventlet.event import Event
from nameko.amqp.publish import Publisher
from nameko.constants import (
    AMQP_SSL_CONFIG_KEY,
    AMQP_URI_CONFIG_KEY,
    DEFAULT_SERIALIZER,
    LOGIN_METHOD_CONFIG_KEY,
    SERIALIZER_CONFIG_KEY,
)
from nameko.rpc import Responder, Rpc as NamekoRpc, RpcConsumer, get_rpc_exchange

from shared.db import AlreadyHandled
from shared.rpc_replies import DROPPED, REQUEST_ID, RepliesSent

log = logging.getLogger(__name__)

REPLY_RIDE_OUT_S = 60.0  # how long a reply keeps trying while the broker is away
REPLY_RETRY_PAUSE_S = (0.5, 5.0)  # the pause between attempts: first, and longest (doubling)


class ReplyPublisher(Publisher):
    """One attempt fails within about a second (nameko's default takes ~10 s): the responder's
    loop, not kombu's, decides how long to keep trying."""

    transport_options = {"max_retries": 1, "interval_start": 0.5, "interval_step": 0.5, "interval_max": 1}
    retry_policy = {"max_retries": 1, "interval_start": 0.5, "interval_step": 0.5, "interval_max": 1}

    def __init__(self, amqp_uri, **kwargs):
        super().__init__(amqp_uri, **kwargs)
        self.transport_options = dict(type(self).transport_options)  # publish() writes into it


class RidingResponder(Responder):
    """nameko's Responder, trying again while the broker is away, then dropping the reply."""

    publisher_cls = ReplyPublisher

    def send_response(self, result, exc_info):
        deadline = time.monotonic() + REPLY_RIDE_OUT_S
        pause, attempts = REPLY_RETRY_PAUSE_S[0], 0
        while True:
            attempts += 1
            try:
                return super().send_response(result, exc_info)
            except Exception as exc:  # kombu's OperationalError, a reset socket, a closed channel
                if time.monotonic() + pause > deadline:
                    log.warning(
                        "RPC reply to %s dropped after %d attempt(s) in %.0fs, the broker away: %s "
                        "(the call's effect stands; the caller times out and may call again)",
                        self.message.properties.get("reply_to"),
                        attempts,
                        REPLY_RIDE_OUT_S,
                        exc,
                    )
                    return result, exc_info
                log.info("RPC reply not published (attempt %d): %s; trying again", attempts, exc)
                eventlet.sleep(pause)
                pause = min(pause * 2, REPLY_RETRY_PAUSE_S[1])


class RidingRpcConsumer(RpcConsumer):
    """nameko's RpcConsumer with the riding responder, an acknowledgement that cannot kill the
    container (a request whose channel died is redelivered by the broker), and a memory of its
    replies, so that a redelivered request is answered again instead of applied again."""

    def __init__(self):
        super().__init__()
        self.replies = RepliesSent()

    def handle_message(self, body, message):
        correlation_id = message.properties.get("correlation_id")
        if correlation_id and message.delivery_info.get("redelivered"):
            eventlet.spawn_n(self._delivered_again, body, message, correlation_id)
            return
        if correlation_id:
            self.replies.started(correlation_id)
        super().handle_message(body, message)

    def _delivered_again(self, body, message, correlation_id):
        """A request the broker delivers again: answered from memory, dropped when an earlier
        delivery committed its change (this process does not know the reply: the caller times
        out, as it would have), or else run."""
        known = self.replies.recall(correlation_id)
        if known is not None:
            log.info("RPC request %s delivered again: answered with its first reply", correlation_id)
            result, error = known.wait() if isinstance(known, Event) else known
            if (result, error) == DROPPED:
                self._drop(message, correlation_id)
                return
            self.handle_result(message, result, None if error is None else (type(error), error, None))
            return
        if self._applied(correlation_id):
            self._drop(message, correlation_id)
            return
        self.replies.started(correlation_id)
        super().handle_message(body, message)

    def _applied(self, request_id: str) -> bool:
        for dependency in self.container.dependencies:
            check = getattr(dependency, "request_applied", None)
            if check is not None:
                try:
                    return check(request_id)
                except Exception as exc:  # the database away: run it; the claim refuses a second change
                    log.warning("RPC request %s: whether it was applied is unknown (%s)", request_id, exc)
        return False

    def _drop(self, message, request_id: str):
        log.warning(
            "RPC request %s delivered again after an earlier delivery changed something, and its "
            "reply is not known here (that process died before the acknowledgement): not run again, "
            "no reply (the caller times out)",
            request_id,
        )
        self._ack(message)

    def _ack(self, message) -> bool:
        """Acknowledge the request; False when it could not be (the broker delivers it again)."""
        if not getattr(message.channel, "connection", None):  # nameko skips a dead channel silently
            return False
        try:
            self.queue_consumer.ack_message(message)
        except Exception as exc:
            log.warning("RPC request not acknowledged (%s): the broker delivers it again", exc)
            return False
        return True

    def handle_result(self, message, result, exc_info):
        config = self.container.config
        responder = RidingResponder(
            config[AMQP_URI_CONFIG_KEY],
            get_rpc_exchange(config),
            config.get(SERIALIZER_CONFIG_KEY, DEFAULT_SERIALIZER),
            message,
            ssl=config.get(AMQP_SSL_CONFIG_KEY),
            login_method=config.get(LOGIN_METHOD_CONFIG_KEY),
        )
        correlation_id = message.properties.get("correlation_id")
        if exc_info is not None and isinstance(exc_info[1], AlreadyHandled):  # a claim refused this delivery
            self._drop(message, correlation_id)
            self.replies.dropped(correlation_id)
            return result, exc_info
        result, exc_info = responder.send_response(result, exc_info)
        acknowledged = self._ack(message)
        if correlation_id:
            error = None if exc_info is None else exc_info[1]
            self.replies.answered(correlation_id, result, error, acknowledged)
        return result, exc_info


class Rpc(NamekoRpc):
    rpc_consumer = RidingRpcConsumer()

    def unpack_message_headers(self, message):
        """nameko's context data, and the request's id (its correlation id) for the unit of work."""
        context_data = super().unpack_message_headers(message)
        correlation_id = message.properties.get("correlation_id")
        if isinstance(correlation_id, str) and 0 < len(correlation_id) <= 36:  # processed_events' key
            context_data[REQUEST_ID] = correlation_id
        return context_data


rpc = Rpc.decorator
