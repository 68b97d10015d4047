"""Guessing verification codes is slowed down: a gateway and the certificates service, a real Redis.

Tight limits (CIM_VERIFY_FAILURES=3/3, as a deployment would set them) and a key prefix of each
test's own (the end-to-end platform runs with generous ones).
"""

import socket
import time
import uuid

import pytest
import redis
import requests

from services.gateway.ratelimit import FailedLookups
from services.gateway.service import GatewayService
from tests.service.test_certificates_service import (  # noqa: F401 (fixtures)
    certificate_rows,
    certificates,
    issue,
)

REDIS_URL = "redis://127.0.0.1:6379/0"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def limiter():
    client = redis.Redis.from_url(REDIS_URL)
    prefix = f"cim-test-{uuid.uuid4().hex[:10]}:rl"
    failed = FailedLookups(client, prefix, limit=3, window_s=3)
    yield failed
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
    client.close()


@pytest.fixture
def gateway(container_factory, rabbit_config, limiter):
    port = free_port()
    container = container_factory(
        GatewayService,
        {
            **rabbit_config,
            "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}",
            "CIM_ENV": "development",
            "CIM_DEV_ISSUER_SECRET": "verify-limit-test-secret-long-enough-for-hs256",
            "CIM_RATE_LIMIT_PREFIX": limiter.prefix,
            "CIM_RATE_LIMIT_LOOKUPS": "1000/60",
            "CIM_VERIFY_FAILURES": "3/3",
            "REDIS_URL": REDIS_URL,
        },
    )
    container.start()
    return f"http://127.0.0.1:{port}"


def test_after_too_many_unknown_codes_a_client_gets_429_with_retry_after_until_the_window_ends(
    certificates, service_config, database_url, gateway, limiter
):
    issue(certificates, service_config["AMQP_URI"], "stu-1")
    [(valid, *_)] = certificate_rows(database_url, "stu-1")
    for _ in range(5):  # known codes never count
        assert requests.get(f"{gateway}/v1/verify/{valid}", timeout=10).json()["status"] == "valid"
    for guess in ("A" * 26, "B" * 26, "not-a-code"):
        response = requests.get(f"{gateway}/v1/verify/{guess}", timeout=10)
        assert response.status_code == 200 and response.json()["status"] == "unknown"

    refused = requests.get(f"{gateway}/v1/verify/{valid}", timeout=10)  # valid or not: refused
    assert refused.status_code == 429
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    assert refused.json()["type"] == "urn:cim:problem:rate-limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 3
    assert "Astrid" not in refused.text
    page = requests.get(f"{gateway}/verify/{valid}", timeout=10)
    assert page.status_code == 429 and 1 <= int(page.headers["Retry-After"]) <= 3
    assert "Try again" in page.text and "Försök igen" in page.text and "Astrid" not in page.text

    time.sleep(3.2)  # the window ends
    assert requests.get(f"{gateway}/v1/verify/{valid}", timeout=10).json()["status"] == "valid"
    page = requests.get(f"{gateway}/verify/{valid}", timeout=10)
    assert page.status_code == 200 and "Astrid Lindgren" in page.text
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]


def test_the_counter_is_per_client_and_an_unreachable_redis_lets_look_ups_through(limiter):
    for _ in range(3):
        assert limiter.retry_after("ip:10.0.0.1") == 0
        limiter.record_failure("ip:10.0.0.1")
    assert 1 <= limiter.retry_after("ip:10.0.0.1") <= 3
    assert limiter.retry_after("ip:10.0.0.2") == 0
    down = FailedLookups(redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2), "x", limit=1, window_s=60)
    down.record_failure("ip:10.0.0.1")
    assert down.retry_after("ip:10.0.0.1") == 0
