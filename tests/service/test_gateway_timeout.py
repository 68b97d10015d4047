"""A service that takes a request and never answers: the gateway's client gets a 504 problem after
`CIM_REQUEST_TIMEOUT_S`, not a connection held open for ever, and the gateway goes on serving."""

from __future__ import annotations

import uuid

import requests
from kombu import Connection, Queue
from nameko.rpc import get_rpc_exchange

from services.gateway.auth import issue_dev_token
from services.gateway.service import GatewayService
from tests.service.test_metrics_endpoint import web_port


def test_a_request_to_a_service_that_never_answers_is_a_504_and_the_gateway_serves_on(container_factory, rabbit_config):
    secret = "timeout-test-secret-long-enough-for-hs256"
    config = {
        **rabbit_config,
        "WEB_SERVER_ADDRESS": "127.0.0.1:0",
        "CIM_ENV": "development",
        "CIM_DEV_ISSUER_SECRET": secret,
        "CIM_RATE_LIMIT_PREFIX": f"cim-test-{uuid.uuid4().hex[:10]}:rl",
        "CIM_REQUEST_TIMEOUT_S": "2",
    }
    # "approvals" takes requests (its queue is bound, so the call is routed) but nobody consumes them
    with Connection(rabbit_config["AMQP_URI"]) as connection:
        queue = Queue(
            "rpc-approvals", exchange=get_rpc_exchange(rabbit_config), routing_key="approvals.*", durable=True
        )
        queue(connection.default_channel).declare()
        container = container_factory(GatewayService, config)
        container.start()
        url = f"http://127.0.0.1:{web_port(container)}"
        admin = {"Authorization": f"Bearer {issue_dev_token(secret, 'a-admin', 'admin')}"}

        response = requests.get(f"{url}/v1/coordinator/inbox", headers=admin, timeout=30)

        assert response.status_code == 504, response.text
        assert response.headers["Content-Type"].startswith("application/problem+json")
        problem = response.json()
        assert problem["type"] == "urn:cim:problem:timeout" and "within 2 s" in problem["detail"]
        assert response.headers["X-Correlation-ID"]
        # the request itself is still queued for the service: nothing was dropped
        assert queue(connection.default_channel).queue_declare(passive=True).message_count == 1
        assert requests.get(f"{url}/health", timeout=10).status_code == 200
