"""Who is calling: the one place bearer tokens are checked.

Two issuers are known:
- the university's OpenID Connect issuer (`CIM_OIDC_ISSUER`): tokens signed with a key from its
  JWKS (fetched from `CIM_OIDC_JWKS_URL` or found through the issuer's discovery document; cached,
  fetched again when a token names an unknown key, at most once per `CIM_OIDC_JWKS_MIN_REFRESH_S`),
  with an allow-listed asymmetric algorithm (`CIM_OIDC_ALGORITHMS`, default RS256,ES256), and
  checked `iss`, `aud` (`CIM_OIDC_AUDIENCE`), `exp`, `nbf` with a small leeway;
- the development issuer (HS256 with a shared secret, `cim dev-token`), accepted only when the
  deployment says it is a development one (`CIM_ENV=development`).
A person is (iss, sub). The role comes from a configurable claim (`CIM_ROLE_CLAIM`, default
`cim_role`, a dotted path for nested claims such as `realm_access.roles`) whose values are mapped
to CIM roles by `CIM_ROLE_VALUES` (`external=role,...`; default: the role names themselves).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable, Mapping

import jwt
import requests

from services.gateway.errors import IdentityProviderUnavailable, Unauthorized
from services.gateway.identity import Identity
from shared.permissions import ROLES

log = logging.getLogger(__name__)

DEV_ISSUER = "cim-dev"
AUDIENCE = "cim"
ROLE_CLAIM = "cim_role"
MAX_TOKEN_CHARS = 16 * 1024

# Only public-key algorithms: a shared secret would let anyone holding the JWKS forge tokens.
_KEY_TYPES = {
    "RS256": "RSA",
    "RS384": "RSA",
    "RS512": "RSA",
    "PS256": "RSA",
    "PS384": "RSA",
    "PS512": "RSA",
    "ES256": "EC",
    "ES384": "EC",
    "ES512": "EC",
    "EdDSA": "OKP",
}


@dataclass(frozen=True)
class OidcSettings:
    """The configured OpenID Connect issuer (read from the environment when the gateway starts)."""

    issuer: str
    audience: str
    jwks_url: str | None = None
    algorithms: tuple[str, ...] = ("RS256", "ES256")
    role_claim: str = ROLE_CLAIM
    role_values: Mapping[str, str] = field(default_factory=lambda: {r: r for r in ROLES})
    leeway_s: int = 30
    jwks_min_refresh_s: float = 30.0
    jwks_max_age_s: float = 3600.0
    http_timeout_s: float = 5.0

    def __post_init__(self):
        refused = [alg for alg in self.algorithms if alg not in _KEY_TYPES]
        if refused or not self.algorithms:
            raise ValueError(
                f"CIM_OIDC_ALGORITHMS may list only {', '.join(_KEY_TYPES)}; refused: {refused or 'an empty list'}"
            )
        unknown = sorted(set(self.role_values.values()) - set(ROLES))
        if unknown:
            raise ValueError(f"CIM_ROLE_VALUES maps to unknown roles {unknown}")
        if not self.issuer or not self.audience:
            raise ValueError("CIM_OIDC_ISSUER and CIM_OIDC_AUDIENCE are both required")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "OidcSettings | None":
        """None when no issuer is configured (then only the development issuer may work)."""
        env = os.environ if env is None else env
        issuer = env.get("CIM_OIDC_ISSUER", "").strip()
        if not issuer:
            return None
        values = {r: r for r in ROLES}
        if env.get("CIM_ROLE_VALUES", "").strip():
            values = {}
            for pair in env["CIM_ROLE_VALUES"].split(","):
                external, sep, role = pair.partition("=")
                if not sep:
                    raise ValueError(f"CIM_ROLE_VALUES: expected external=role, got {pair!r}")
                values[external.strip()] = role.strip()
        algorithms = tuple(a.strip() for a in env.get("CIM_OIDC_ALGORITHMS", "RS256,ES256").split(",") if a.strip())
        return cls(
            issuer=issuer,
            audience=env.get("CIM_OIDC_AUDIENCE", "").strip(),
            jwks_url=env.get("CIM_OIDC_JWKS_URL", "").strip() or None,
            algorithms=algorithms,
            role_claim=env.get("CIM_ROLE_CLAIM", "").strip() or ROLE_CLAIM,
            role_values=values,
            leeway_s=int(env.get("CIM_OIDC_LEEWAY_S", "30")),
            jwks_min_refresh_s=float(env.get("CIM_OIDC_JWKS_MIN_REFRESH_S", "30")),
            jwks_max_age_s=float(env.get("CIM_OIDC_JWKS_MAX_AGE_S", "3600")),
        )


class JwksCache:
    """The issuer's signing keys by `kid`: fetched once, again when old or when a token names an
    unknown key, but never more often than `jwks_min_refresh_s` (a stream of made-up kids cannot
    make the gateway hammer the identity provider)."""

    def __init__(
        self,
        settings: OidcSettings,
        clock: Callable[[], float] = time.monotonic,
        session: requests.Session | None = None,
    ):
        self.settings = settings
        self._clock = clock
        self._http = session or requests.Session()
        self._lock = threading.Lock()
        self._keys: dict[str, tuple[jwt.PyJWK, str | None]] | None = None
        self._fetched_at = float("-inf")
        self._attempted_at = float("-inf")
        self.fetches = 0

    def key(self, kid: str) -> tuple[jwt.PyJWK, str | None]:
        """The key named `kid` and the algorithm its JWK declares (if it declares one)."""
        with self._lock:
            now = self._clock()
            stale = self._keys is None or now - self._fetched_at > self.settings.jwks_max_age_s
            unknown = self._keys is not None and kid not in self._keys
            if (stale or unknown) and now - self._attempted_at >= self.settings.jwks_min_refresh_s:
                self._refresh(now)
            if self._keys is None:
                raise IdentityProviderUnavailable("the issuer's keys cannot be fetched")
            found = self._keys.get(kid)
        if found is None:
            raise Unauthorized("the token is signed with a key the issuer does not publish")
        return found

    def _refresh(self, now: float):
        self._attempted_at = now
        self.fetches += 1
        try:
            response = self._http.get(self._jwks_url(), timeout=self.settings.http_timeout_s)
            response.raise_for_status()
            keys = {}
            for data in response.json().get("keys", []):
                if not isinstance(data, dict) or not data.get("kid") or data.get("use", "sig") != "sig":
                    continue
                try:
                    keys[str(data["kid"])] = (jwt.PyJWK(data), data.get("alg"))
                except jwt.PyJWTError:
                    log.warning("skipping an unusable key %r in the issuer's JWKS", data.get("kid"))
        except (requests.RequestException, ValueError, AttributeError) as exc:
            log.error("cannot fetch the issuer's JWKS: %s", exc)
            return  # keep the keys we had, if any
        self._keys, self._fetched_at = keys, now

    def _jwks_url(self) -> str:
        if self.settings.jwks_url:
            return self.settings.jwks_url
        url = self.settings.issuer.rstrip("/") + "/.well-known/openid-configuration"
        response = self._http.get(url, timeout=self.settings.http_timeout_s)
        response.raise_for_status()
        document = response.json()
        if document.get("issuer") != self.settings.issuer or not document.get("jwks_uri"):
            raise ValueError("the discovery document names another issuer or no jwks_uri")
        return document["jwks_uri"]


class OidcVerifier:
    """Checks tokens of the configured OpenID Connect issuer."""

    def __init__(self, settings: OidcSettings, clock: Callable[[], float] = time.monotonic):
        self.settings = settings
        self.jwks = JwksCache(settings, clock=clock)

    def verify(self, token: str) -> Identity:
        s = self.settings
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthorized("the token cannot be read") from None
        alg, kid = header.get("alg"), header.get("kid")
        if alg not in s.algorithms:
            raise Unauthorized(f"tokens signed with {alg!r} are not accepted")
        if not isinstance(kid, str) or not kid:
            raise Unauthorized("the token does not name its signing key")
        key, declared_alg = self.jwks.key(kid)
        if key.key_type != _KEY_TYPES[alg] or declared_alg not in (None, alg):
            raise Unauthorized("the token's algorithm does not fit its key")
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=[alg],
                audience=s.audience,
                issuer=s.issuer,
                leeway=s.leeway_s,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"the token is not valid: {exc}") from None
        return _identity(claims, _role(claims, s.role_claim, s.role_values))


def _role(claims: dict, claim: str, values: Mapping[str, str]) -> str:
    value = claims
    for part in claim.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    found = value if isinstance(value, list) else [value]
    roles = {values[v] for v in found if isinstance(v, str) and v in values}
    if len(roles) != 1:
        raise Unauthorized("the token carries no known role" if not roles else "the token carries more than one role")
    return roles.pop()


def _identity(claims: dict, role: str) -> Identity:
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise Unauthorized("the token names no subject")
    text = lambda key: claims[key] if isinstance(claims.get(key), str) else None  # noqa: E731
    return Identity(issuer=claims["iss"], subject=claims["sub"], role=role, name=text("name"), email=text("email"))


def issue_dev_token(
    secret: str,
    subject: str,
    role: str,
    name: str | None = None,
    email: str | None = None,
    lifetime: timedelta = timedelta(hours=8),
) -> str:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    now = datetime.now(timezone.utc)
    claims = {
        "iss": DEV_ISSUER,
        "aud": AUDIENCE,
        "sub": subject,
        ROLE_CLAIM: role,
        "iat": now,
        "nbf": now,
        "exp": now + lifetime,
    }
    if name:
        claims["name"] = name
    if email:
        claims["email"] = email
    return jwt.encode(claims, secret, algorithm="HS256")


def _verify_dev(token: str, settings) -> Identity:
    try:
        claims = jwt.decode(
            token,
            settings.dev_issuer_secret,
            algorithms=["HS256"],
            audience=AUDIENCE,
            issuer=DEV_ISSUER,
            leeway=30,
            options={"require": ["exp", "iss", "aud", "sub"]},
        )
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"the token is not valid: {exc}") from None
    return _identity(claims, _role(claims, ROLE_CLAIM, {r: r for r in ROLES}))


class VerifiedTokens:
    """The tokens this process verified lately: the exact token -> the Identity it proved, until
    the token's `exp` or `ttl_s` after the check, whichever comes first; at most `max_size`
    tokens (the least recently used go first).

    Checking the same bytes again would give the same answer but for two things, both bounded
    here: time (a remembered token is never used past its `exp`, which the check itself allows
    with a leeway, and it passed `nbf` when it was checked) and the issuer's keys (a key the
    issuer withdraws from its JWKS: the tokens it signed are still accepted for at most `ttl_s`,
    where the JWKS cache alone takes up to `CIM_OIDC_JWKS_MIN_REFRESH_S` to notice anyway).
    A refused token is not remembered. Greenlets of one process share it; nothing here does I/O.
    """

    def __init__(self, ttl_s: float = 30.0, max_size: int = 10_000, clock: Callable[[], float] = time.time):
        self.ttl_s, self.max_size, self._clock = ttl_s, max_size, clock
        self._entries: OrderedDict[str, tuple[Identity, float]] = OrderedDict()
        self.verified = 0  # how many tokens were checked in full (tests)

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, token: str) -> Identity | None:
        entry = self._entries.get(token)
        if entry is None:
            return None
        if entry[1] <= self._clock():
            del self._entries[token]
            return None
        self._entries.move_to_end(token)
        return entry[0]

    def put(self, token: str, identity: Identity, expires_at):
        self.verified += 1
        now = self._clock()
        until = now + self.ttl_s
        if isinstance(expires_at, (int, float)):
            until = min(until, float(expires_at))
        if self.ttl_s <= 0 or until <= now:
            return
        self._entries[token] = (identity, until)
        self._entries.move_to_end(token)
        while len(self._entries) > self.max_size:
            self._entries.popitem(last=False)


def authenticate(
    authorization: str | None, settings, oidc: OidcVerifier | None = None, tokens: VerifiedTokens | None = None
) -> Identity:
    """The caller of a request, from its Authorization header; Unauthorized (401) otherwise.
    With `tokens`, a token this process verified lately is not checked again (VerifiedTokens)."""
    if not authorization or not authorization.startswith("Bearer "):
        raise Unauthorized("a bearer token is required")
    token = authorization[len("Bearer ") :].strip()
    if len(token) > MAX_TOKEN_CHARS:
        raise Unauthorized("the token is too long")
    if tokens is not None and (known := tokens.get(token)) is not None:
        return known
    try:
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise Unauthorized("the token cannot be read") from None
    issuer = unverified.get("iss")
    if issuer == DEV_ISSUER and settings.is_development:
        identity = _verify_dev(token, settings)
    elif oidc is not None and issuer == oidc.settings.issuer:
        identity = oidc.verify(token)
    else:
        raise Unauthorized("tokens from this issuer are not accepted here")
    if tokens is not None:
        tokens.put(token, identity, unverified.get("exp"))  # the same token: its exp was just checked
    return identity
