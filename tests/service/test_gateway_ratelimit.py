"""Rate limits per identity, shared between gateway replicas through a real Redis, with tight limits
and a key prefix of each test's own (the end-to-end platform runs with generous ones)."""

import socket
import uuid

import pytest
import redis
import requests

from services.gateway.auth import issue_dev_token
from services.gateway.errors import RateLimited
from services.gateway.ratelimit import DEFAULT_REDIS_URL, Rate, RateLimiter
from services.gateway.service import GatewayService

REDIS_URL = DEFAULT_REDIS_URL


@pytest.fixture
def prefix():
    value = f"cim-test-{uuid.uuid4().hex[:10]}:rl"
    yield value
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{value}:*"):
        client.delete(key)
    client.close()


def _replica(prefix, clock):
    return RateLimiter(redis.Redis.from_url(REDIS_URL), prefix, clock=lambda: clock[0])


def test_two_replicas_share_one_count_and_the_refusal_says_when_to_retry(prefix):
    clock = [600_000.0]  # the start of a 60 s window
    one, two = _replica(prefix, clock), _replica(prefix, clock)
    rate = Rate(3, 60)
    assert [
        one.hit("write", "id:a", rate)[0],
        two.hit("write", "id:a", rate)[0],
        one.hit("write", "id:a", rate)[0],
    ] == [True, True, True]
    clock[0] += 10
    with pytest.raises(RateLimited) as refused:
        two.check("write", "id:a", rate)
    # four in this window (the refused one counts too): 50 s to its end, then the window's share
    # must fade to 2 of 3: another 30 s
    assert refused.value.retry_after == 80


def test_each_identity_and_each_bucket_has_its_own_count(prefix):
    clock = [600_000.0]
    limiter = _replica(prefix, clock)
    rate = Rate(1, 60)
    assert limiter.hit("write", "id:a", rate)[0]
    assert not limiter.hit("write", "id:a", rate)[0]
    assert limiter.hit("write", "id:b", rate)[0]
    assert limiter.hit("lookup", "id:a", rate)[0]


def test_the_window_slides_so_a_burst_at_a_boundary_is_not_doubled(prefix):
    clock = [600_050.0]  # late in a window
    limiter = _replica(prefix, clock)
    rate = Rate(4, 60)
    assert all(limiter.hit("write", "id:a", rate)[0] for _ in range(4))
    clock[0] += 15  # just into the next window: the last one still mostly counts
    assert not limiter.hit("write", "id:a", rate)[0]
    clock[0] += 120  # two windows later everything has expired
    assert limiter.hit("write", "id:a", rate)[0]


def test_when_redis_is_unreachable_requests_are_allowed():
    limiter = RateLimiter(redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2))
    assert limiter.hit("write", "id:a", Rate(1, 60)) == (True, 0)
    assert limiter.hit("write", "id:a", Rate(1, 60)) == (True, 0)


def test_rates_are_written_count_per_seconds():
    assert Rate.parse("60/60") == Rate(60, 60) and Rate.parse("5") == Rate(5, 60)
    for text in ("0/60", "x/60", "5/0", ""):
        with pytest.raises(ValueError):
            Rate.parse(text)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_gateway_answers_429_with_retry_after_per_person_on_writes_and_lookups(
    container_factory, rabbit_config, prefix
):
    port = _free_port()
    secret = "rate-limit-test-secret-long-enough-for-hs256"
    config = {
        **rabbit_config,
        "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}",
        "CIM_ENV": "development",
        "CIM_DEV_ISSUER_SECRET": secret,
        "CIM_RATE_LIMIT_PREFIX": prefix,
        "CIM_RATE_LIMIT_WRITES": "2/60",
        "CIM_RATE_LIMIT_LOOKUPS": "1/60",
        "REDIS_URL": REDIS_URL,
    }
    container = container_factory(GatewayService, config)
    container.start()
    url = f"http://127.0.0.1:{port}"
    ada = {"Authorization": f"Bearer {issue_dev_token(secret, 's-ada', 'student')}", "Content-Type": "application/json"}
    bob = {**ada, "Authorization": f"Bearer {issue_dev_token(secret, 's-bob', 'student')}"}
    # unreadable bodies: refused (400) without calling any service, but counted as writes
    statuses = [
        requests.post(f"{url}/v1/registrations", data="{", headers=ada, timeout=10).status_code for _ in range(3)
    ]
    assert statuses == [400, 400, 429]
    refused = requests.post(f"{url}/v1/registrations", data="{", headers=ada, timeout=10)
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    assert refused.json()["type"] == "urn:cim:problem:rate-limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 120
    # another person is not held back by Ada; reads are not limited
    assert requests.post(f"{url}/v1/registrations", data="{", headers=bob, timeout=10).status_code == 400
    assert requests.get(f"{url}/openapi.json", timeout=10).status_code == 200
    # public verification look-ups count per client address, in the same Redis: one look-up made
    # (here straight through the limiter: the certificates service is not running), the next is
    # refused before any service is asked
    other_replica = RateLimiter(redis.Redis.from_url(REDIS_URL), prefix)
    assert other_replica.hit("lookup", "ip:127.0.0.1", Rate(1, 60))[0]
    refused = requests.get(f"{url}/v1/verify/NOPE", timeout=10)
    assert refused.status_code == 429 and "Retry-After" in refused.headers
