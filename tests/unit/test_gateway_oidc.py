"""Tokens of the university's OpenID Connect issuer: keys from a real JWKS served over HTTP (a local
server in this test), real RSA and EC keys; every way a token can be wrong is a 401."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from services.gateway.auth import OidcSettings, OidcVerifier, authenticate, issue_dev_token
from services.gateway.errors import IdentityProviderUnavailable, Unauthorized
from shared.settings import load_settings

AUDIENCE = "cim-api"
PROD = load_settings("gateway", {}, env={"CIM_ENV": "production"})


class _Issuer(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        server = self.server
        server.hits.append(self.path)
        if self.path == "/.well-known/openid-configuration":
            body = {"issuer": server.issuer, "jwks_uri": server.issuer + "/jwks"}
        elif self.path == "/jwks" and not server.down:
            body = {"keys": server.jwks}
        else:
            self.send_response(404 if not server.down else 503)
            self.end_headers()
            return
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def idp():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Issuer)
    server.issuer = f"http://127.0.0.1:{server.server_address[1]}"
    server.hits, server.jwks, server.down = [], [], False
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _rsa():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _publish(server, private_key, kid, alg=None):
    algo = jwt.algorithms.RSAAlgorithm if isinstance(private_key, rsa.RSAPrivateKey) else jwt.algorithms.ECAlgorithm
    jwk = json.loads(algo.to_jwk(private_key.public_key()))
    jwk.update({"kid": kid, "use": "sig", **({"alg": alg} if alg else {})})
    server.jwks.append(jwk)


def _claims(server, **changes):
    now = datetime.now(timezone.utc)
    claims = {
        "iss": server.issuer,
        "aud": AUDIENCE,
        "sub": "u-42",
        "cim_role": "student",
        "name": "Ada Example",
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(minutes=10),
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _verifier(server, clock=None, **overrides):
    settings = OidcSettings(issuer=server.issuer, audience=AUDIENCE, jwks_url=server.issuer + "/jwks", **overrides)
    return OidcVerifier(settings, **({"clock": clock} if clock else {}))


def _auth(token, verifier):
    return authenticate(f"Bearer {token}", PROD, verifier)


@pytest.fixture
def signing(idp):
    key = _rsa()
    _publish(idp, key, "k1", "RS256")
    return key


def test_a_token_of_the_configured_issuer_identifies_the_person_by_issuer_and_subject(idp, signing):
    token = jwt.encode(_claims(idp), signing, algorithm="RS256", headers={"kid": "k1"})
    identity = _auth(token, _verifier(idp))
    assert (identity.issuer, identity.subject, identity.role, identity.name) == (
        idp.issuer,
        "u-42",
        "student",
        "Ada Example",
    )


def test_an_ec_key_and_es256_are_accepted(idp):
    key = ec.generate_private_key(ec.SECP256R1())
    _publish(idp, key, "ec-1")
    token = jwt.encode(_claims(idp, cim_role="registrar"), key, algorithm="ES256", headers={"kid": "ec-1"})
    assert _auth(token, _verifier(idp)).role == "registrar"


def test_the_keys_are_found_through_the_discovery_document(idp, signing):
    verifier = OidcVerifier(OidcSettings(issuer=idp.issuer, audience=AUDIENCE))
    token = jwt.encode(_claims(idp), signing, algorithm="RS256", headers={"kid": "k1"})
    assert _auth(token, verifier).subject == "u-42"
    assert idp.hits[:2] == ["/.well-known/openid-configuration", "/jwks"]


def _hs256_with(secret: bytes, claims: dict, kid: str) -> str:
    """What an attacker does: sign an HS256 token using the issuer's *public* key as the secret."""
    enc = lambda obj: base64.urlsafe_b64encode(json.dumps(obj, default=str).encode()).rstrip(b"=")  # noqa: E731
    head = (
        enc({"alg": "HS256", "typ": "JWT", "kid": kid})
        + b"."
        + enc(
            {
                **claims,
                "exp": int(claims["exp"].timestamp()),
                "nbf": int(claims["nbf"].timestamp()),
                "iat": int(claims["iat"].timestamp()),
            }
        )
    )
    sig = base64.urlsafe_b64encode(hmac.new(secret, head, hashlib.sha256).digest()).rstrip(b"=")
    return (head + b"." + sig).decode()


def _bad_tokens(idp, key):
    now = datetime.now(timezone.utc)
    rs = lambda claims, kid="k1": jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})  # noqa: E731
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    good = rs(_claims(idp))
    head, payload, sig = good.split(".")
    changed = json.loads(jwt.utils.base64url_decode(payload))
    changed["cim_role"] = "admin"
    forged = jwt.utils.base64url_encode(json.dumps(changed).encode()).decode()
    return {
        "alg-none": jwt.encode(_claims(idp), None, algorithm="none", headers={"kid": "k1"}),
        "hs256-signed-with-the-public-key": _hs256_with(public_pem, _claims(idp), "k1"),
        "unknown-kid": rs(_claims(idp), kid="no-such-key"),
        "expired": rs(
            _claims(
                idp, exp=now - timedelta(minutes=5), nbf=now - timedelta(minutes=20), iat=now - timedelta(minutes=20)
            )
        ),
        "not-yet-valid": rs(_claims(idp, nbf=now + timedelta(minutes=5))),
        "wrong-issuer": rs(_claims(idp, iss="https://elsewhere.example")),
        "wrong-audience": rs(_claims(idp, aud="another-api")),
        "changed-payload": f"{head}.{forged}.{sig}",
        "no-expiry": rs(_claims(idp, exp=None)),
        "no-subject": rs(_claims(idp, sub=None)),
        "unknown-role": rs(_claims(idp, cim_role="superuser")),
        "no-kid": jwt.encode(_claims(idp), key, algorithm="RS256"),
        "signed-by-another-key": jwt.encode(_claims(idp), _rsa(), algorithm="RS256", headers={"kid": "k1"}),
        "rs512-not-allowed": jwt.encode(_claims(idp), key, algorithm="RS512", headers={"kid": "k1"}),
    }


BAD = [
    "alg-none",
    "hs256-signed-with-the-public-key",
    "unknown-kid",
    "expired",
    "not-yet-valid",
    "wrong-issuer",
    "wrong-audience",
    "changed-payload",
    "no-expiry",
    "no-subject",
    "unknown-role",
    "no-kid",
    "signed-by-another-key",
    "rs512-not-allowed",
]


@pytest.mark.parametrize("case", BAD)
def test_a_bad_token_is_refused(idp, signing, case):
    verifier = _verifier(idp)
    # the good token passes with the same verifier: the refusal is about `case` alone
    assert _auth(jwt.encode(_claims(idp), signing, algorithm="RS256", headers={"kid": "k1"}), verifier)
    with pytest.raises(Unauthorized):
        _auth(_bad_tokens(idp, signing)[case], verifier)


def test_a_small_clock_skew_is_tolerated(idp, signing):
    now = datetime.now(timezone.utc)
    token = jwt.encode(_claims(idp, nbf=now + timedelta(seconds=10)), signing, algorithm="RS256", headers={"kid": "k1"})
    assert _auth(token, _verifier(idp)).subject == "u-42"


def test_a_rotated_key_with_a_new_kid_is_fetched_and_accepted(idp, signing):
    clock = [1000.0]
    verifier = _verifier(idp, clock=lambda: clock[0])
    assert _auth(jwt.encode(_claims(idp), signing, algorithm="RS256", headers={"kid": "k1"}), verifier)
    new = _rsa()
    idp.jwks[:] = []
    _publish(idp, new, "k2", "RS256")
    clock[0] += 31  # past the minimum interval between fetches
    identity = _auth(jwt.encode(_claims(idp), new, algorithm="RS256", headers={"kid": "k2"}), verifier)
    assert identity.subject == "u-42" and verifier.jwks.fetches == 2


def test_unknown_kids_do_not_make_the_gateway_hammer_the_issuer(idp, signing):
    clock = [1000.0]
    verifier = _verifier(idp, clock=lambda: clock[0])
    for n in range(20):
        with pytest.raises(Unauthorized):
            _auth(jwt.encode(_claims(idp), signing, algorithm="RS256", headers={"kid": f"made-up-{n}"}), verifier)
    assert idp.hits.count("/jwks") == 1
    clock[0] += 31
    with pytest.raises(Unauthorized):
        _auth(jwt.encode(_claims(idp), signing, algorithm="RS256", headers={"kid": "made-up-x"}), verifier)
    assert idp.hits.count("/jwks") == 2


def test_known_keys_are_served_from_the_cache(idp, signing):
    verifier = _verifier(idp)
    for _ in range(5):
        _auth(jwt.encode(_claims(idp), signing, algorithm="RS256", headers={"kid": "k1"}), verifier)
    assert idp.hits.count("/jwks") == 1


def test_an_unreachable_issuer_is_a_503_not_a_401(idp, signing):
    idp.down = True
    with pytest.raises(IdentityProviderUnavailable):
        _auth(jwt.encode(_claims(idp), signing, algorithm="RS256", headers={"kid": "k1"}), _verifier(idp))


def test_the_role_claim_and_its_values_are_configurable(idp, signing):
    verifier = _verifier(
        idp, role_claim="realm_access.roles", role_values={"cim-coordinators": "coordinator", "cim-staff": "admin"}
    )
    claims = _claims(idp, cim_role=None, realm_access={"roles": ["offline_access", "cim-coordinators"]})
    token = jwt.encode(claims, signing, algorithm="RS256", headers={"kid": "k1"})
    assert _auth(token, verifier).role == "coordinator"
    both = _claims(idp, cim_role=None, realm_access={"roles": ["cim-coordinators", "cim-staff"]})
    with pytest.raises(Unauthorized, match="more than one role"):
        _auth(jwt.encode(both, signing, algorithm="RS256", headers={"kid": "k1"}), verifier)
    with pytest.raises(Unauthorized, match="no known role"):  # the default claim is not read now
        _auth(jwt.encode(_claims(idp), signing, algorithm="RS256", headers={"kid": "k1"}), verifier)


def test_settings_come_from_the_environment_and_refuse_symmetric_algorithms():
    settings = OidcSettings.from_env(
        {
            "CIM_OIDC_ISSUER": "https://idp.example/realms/uni",
            "CIM_OIDC_AUDIENCE": "cim",
            "CIM_ROLE_CLAIM": "groups",
            "CIM_ROLE_VALUES": "Students=student, Staff=coordinator",
        }
    )
    assert settings.algorithms == ("RS256", "ES256") and settings.role_claim == "groups"
    assert dict(settings.role_values) == {"Students": "student", "Staff": "coordinator"}
    assert OidcSettings.from_env({}) is None
    for algorithms in ("HS256", "RS256,none", ""):
        with pytest.raises(ValueError):
            OidcSettings.from_env(
                {"CIM_OIDC_ISSUER": "https://idp", "CIM_OIDC_AUDIENCE": "cim", "CIM_OIDC_ALGORITHMS": algorithms}
            )
    with pytest.raises(ValueError):
        OidcSettings.from_env(
            {"CIM_OIDC_ISSUER": "https://idp", "CIM_OIDC_AUDIENCE": "cim", "CIM_ROLE_VALUES": "Boss=superuser"}
        )


def test_the_development_issuer_is_refused_outside_development_even_with_oidc_configured(idp, signing):
    prod = load_settings("gateway", {}, env={"CIM_ENV": "production", "CIM_DEV_ISSUER_SECRET": "s"})
    with pytest.raises(Unauthorized, match="not accepted"):
        authenticate(f"Bearer {issue_dev_token('s', 'x', 'admin')}", prod, _verifier(idp))


def test_without_a_configured_issuer_its_tokens_are_refused(idp, signing):
    token = jwt.encode(_claims(idp), signing, algorithm="RS256", headers={"kid": "k1"})
    with pytest.raises(Unauthorized, match="not accepted"):
        authenticate(f"Bearer {token}", PROD, None)
