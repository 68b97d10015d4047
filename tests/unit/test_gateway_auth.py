"""Bearer tokens: the development issuer, and every way a token can be wrong (each a 401)."""

from datetime import datetime, timedelta, timezone

import jwt
import pytest

from services.gateway.auth import AUDIENCE, DEV_ISSUER, ROLE_CLAIM, authenticate, issue_dev_token
from services.gateway.errors import Unauthorized
from shared.settings import load_settings

SECRET = "unit-test-secret"
DEV = load_settings("gateway", {}, env={"CIM_ENV": "development", "CIM_DEV_ISSUER_SECRET": SECRET})
PROD = load_settings("gateway", {}, env={"CIM_ENV": "production", "CIM_DEV_ISSUER_SECRET": SECRET})


def _claims(**changes):
    now = datetime.now(timezone.utc)
    claims = {
        "iss": DEV_ISSUER,
        "aud": AUDIENCE,
        "sub": "s-1",
        ROLE_CLAIM: "student",
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(hours=1),
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _bearer(token):
    return f"Bearer {token}"


def test_a_development_token_identifies_the_person_and_role():
    identity = authenticate(_bearer(issue_dev_token(SECRET, "s-1001", "student", name="Ada")), DEV)
    assert (identity.issuer, identity.subject, identity.role, identity.name) == (DEV_ISSUER, "s-1001", "student", "Ada")


def test_the_development_issuer_is_refused_outside_development():
    with pytest.raises(Unauthorized, match="not accepted"):
        authenticate(_bearer(issue_dev_token(SECRET, "s-1", "admin")), PROD)


@pytest.mark.parametrize("header", [None, "", "Basic dXNlcjpwYXNz", "Bearer", "Bearer not-a-jwt"])
def test_a_missing_or_unreadable_token_is_refused(header):
    with pytest.raises(Unauthorized):
        authenticate(header, DEV)


# Made when the test runs: a token made at collection would age while the suite runs (a
# not-yet-valid one made 5 minutes ahead becomes valid in a long run).
@pytest.mark.parametrize(
    "make_token",
    [
        lambda: jwt.encode(_claims(), "another-secret", algorithm="HS256"),
        lambda: jwt.encode(_claims(), None, algorithm="none"),
        lambda: jwt.encode(_claims(exp=datetime.now(timezone.utc) - timedelta(minutes=5)), SECRET, algorithm="HS256"),
        lambda: jwt.encode(_claims(nbf=datetime.now(timezone.utc) + timedelta(minutes=5)), SECRET, algorithm="HS256"),
        lambda: jwt.encode(_claims(iss="https://elsewhere.example"), SECRET, algorithm="HS256"),
        lambda: jwt.encode(_claims(aud="another-api"), SECRET, algorithm="HS256"),
        lambda: jwt.encode(_claims(exp=None), SECRET, algorithm="HS256"),
        lambda: jwt.encode(_claims(**{ROLE_CLAIM: "superuser"}), SECRET, algorithm="HS256"),
        lambda: jwt.encode(_claims(**{ROLE_CLAIM: None}), SECRET, algorithm="HS256"),
    ],
    ids=[
        "wrong-key",
        "alg-none",
        "expired",
        "not-yet-valid",
        "wrong-issuer",
        "wrong-audience",
        "no-expiry",
        "unknown-role",
        "no-role",
    ],
)
def test_a_bad_token_is_refused(make_token):
    with pytest.raises(Unauthorized):
        authenticate(_bearer(make_token()), DEV)


def test_a_changed_payload_breaks_the_signature():
    import json

    header, payload, signature = issue_dev_token(SECRET, "s-1", "student").split(".")
    claims = json.loads(jwt.utils.base64url_decode(payload))
    claims[ROLE_CLAIM] = "admin"
    forged = jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()
    with pytest.raises(Unauthorized):
        authenticate(_bearer(f"{header}.{forged}.{signature}"), DEV)
