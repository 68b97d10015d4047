"""A token the gateway process verified lately is not checked again (auth.VerifiedTokens): the
same bytes, within its `exp` and the memory's TTL; anything else is checked in full."""

from datetime import datetime, timedelta, timezone

import jwt
import pytest

from services.gateway.auth import VerifiedTokens, authenticate, issue_dev_token
from services.gateway.errors import Unauthorized
from shared.settings import load_settings

SECRET = "unit-test-secret-verified-tokens-0123456789"
DEV = load_settings("gateway", {}, env={"CIM_ENV": "development", "CIM_DEV_ISSUER_SECRET": SECRET})


class Clock:
    def __init__(self):
        self.now = datetime.now(timezone.utc).timestamp()

    def __call__(self):
        return self.now


def test_a_token_verified_once_is_not_verified_again_and_proves_the_same_person():
    tokens = VerifiedTokens(ttl_s=30, clock=Clock())
    header = f"Bearer {issue_dev_token(SECRET, 's-1', 'student', name='Ada')}"
    first = authenticate(header, DEV, None, tokens)
    again = [authenticate(header, DEV, None, tokens) for _ in range(5)]
    assert tokens.verified == 1 and all(identity == first for identity in again)
    other = authenticate(f"Bearer {issue_dev_token(SECRET, 's-2', 'admin')}", DEV, None, tokens)
    assert (other.subject, other.role) == ("s-2", "admin") and tokens.verified == 2


def test_a_remembered_token_is_checked_again_after_the_ttl():
    clock = Clock()
    tokens = VerifiedTokens(ttl_s=30, clock=clock)
    header = f"Bearer {issue_dev_token(SECRET, 's-1', 'student')}"
    authenticate(header, DEV, None, tokens)
    clock.now += 31
    authenticate(header, DEV, None, tokens)
    assert tokens.verified == 2


def test_a_remembered_token_is_never_used_past_its_exp():
    clock = Clock()
    tokens = VerifiedTokens(ttl_s=3600, clock=clock)
    token = issue_dev_token(SECRET, "s-1", "student", lifetime=timedelta(seconds=60))
    authenticate(f"Bearer {token}", DEV, None, tokens)
    assert len(tokens) == 1
    clock.now += 61  # past exp: forgotten, so the full check runs (and its own clock decides)
    assert tokens.get(token) is None and len(tokens) == 0


def test_a_forged_copy_of_a_remembered_token_is_checked_and_refused():
    tokens = VerifiedTokens(ttl_s=30, clock=Clock())
    token = issue_dev_token(SECRET, "s-1", "student")
    authenticate(f"Bearer {token}", DEV, None, tokens)
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], audience="cim")
    forged = jwt.encode({**claims, "cim_role": "admin"}, "not-the-secret", algorithm="HS256")
    with pytest.raises(Unauthorized):
        authenticate(f"Bearer {forged}", DEV, None, tokens)
    assert len(tokens) == 1


def test_a_refused_token_is_not_remembered():
    tokens = VerifiedTokens(ttl_s=30, clock=Clock())
    bad = f"Bearer {issue_dev_token('another-secret-entirely-0123456789', 's-1', 'student')}"
    for _ in range(2):
        with pytest.raises(Unauthorized):
            authenticate(bad, DEV, None, tokens)
    assert len(tokens) == 0


def test_the_memory_is_bounded():
    tokens = VerifiedTokens(ttl_s=30, max_size=5, clock=Clock())
    for n in range(20):
        authenticate(f"Bearer {issue_dev_token(SECRET, f's-{n}', 'student')}", DEV, None, tokens)
    assert len(tokens) == 5


def test_a_ttl_of_zero_remembers_nothing():
    tokens = VerifiedTokens(ttl_s=0, clock=Clock())
    header = f"Bearer {issue_dev_token(SECRET, 's-1', 'student')}"
    authenticate(header, DEV, None, tokens)
    authenticate(header, DEV, None, tokens)
    assert tokens.verified == 2 and len(tokens) == 0
