"""The gateway counts and times every HTTP request by route template, method and status, serves
them at `/metrics`, and its RPC reply queues are classic (shared.messaging.RpcProxy)."""

from __future__ import annotations

import uuid
from urllib.parse import quote

import requests

from services.gateway.service import GatewayService
from tests.service.test_metrics_endpoint import scrape, value, web_port
from tests.service.test_quorum_queues import Management


def test_requests_are_counted_by_route_template_and_status(container_factory, rabbit_config):
    config = {
        **rabbit_config,
        "WEB_SERVER_ADDRESS": "127.0.0.1:0",
        "CIM_ENV": "development",
        "CIM_RATE_LIMIT_PREFIX": f"cim-test-{uuid.uuid4().hex[:10]}:rl",
    }
    container = container_factory(GatewayService, config)
    container.start()
    port = web_port(container)
    url = f"http://127.0.0.1:{port}"
    before = scrape(port)
    activity = f"{url}/v1/me/activities/{uuid.uuid4()}"
    statuses = [
        requests.get(activity, timeout=10).status_code,  # no token
        requests.get(f"{url}/v1/me/activities/{uuid.uuid4()}", timeout=10).status_code,
        requests.get(f"{url}/health", timeout=10).status_code,
        requests.get(f"{url}/no/such/{uuid.uuid4()}", timeout=10).status_code,
    ]
    assert statuses == [401, 401, 200, 404]
    after = scrape(port)

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    template = "/v1/me/activities/<string:activity_id>"
    assert delta("cim_http_requests_total", route=template, method="GET", status="401") == 2
    assert delta("cim_http_request_seconds_count", route=template, method="GET") == 2
    assert delta("cim_http_requests_total", route="/health", method="GET", status="200") == 1
    assert delta("cim_http_requests_total", route="<unmatched>", method="GET", status="404") == 1
    assert not [key for key in after if any(v.startswith("/no/such") for _, v in key[1])]

    vhost = rabbit_config["AMQP_URI"].rsplit("/", 1)[1]
    replies = {
        n: t
        for n, t in Management().queue_types(requests.utils.unquote(vhost)).items()
        if n.startswith("rpc.reply-gateway-")
    }
    assert replies and set(replies.values()) == {"classic"}
    queue = next(iter(replies))
    arguments = Management().call("GET", f"/queues/{vhost}/{quote(queue, safe='')}").json()["arguments"]
    assert arguments["x-queue-type"] == "classic"
