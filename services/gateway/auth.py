"""Who is calling: the one place bearer tokens are checked.

Today it knows the development issuer (HS256 with a shared secret, `cim dev-token`), accepted only
when the deployment says it is a development one. The university's OpenID Connect issuer (JWKS,
allow-listed algorithms) is added here, behind the same `authenticate` function.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import jwt

from services.gateway.domain import ROLES, Identity, Unauthorized

DEV_ISSUER = "cim-dev"
AUDIENCE = "cim"
ROLE_CLAIM = "cim_role"


def issue_dev_token(secret: str, subject: str, role: str, name: str | None = None,
                    email: str | None = None, lifetime: timedelta = timedelta(hours=8)) -> str:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    now = datetime.now(timezone.utc)
    claims = {"iss": DEV_ISSUER, "aud": AUDIENCE, "sub": subject, ROLE_CLAIM: role,
              "iat": now, "nbf": now, "exp": now + lifetime}
    if name:
        claims["name"] = name
    if email:
        claims["email"] = email
    return jwt.encode(claims, secret, algorithm="HS256")


def authenticate(authorization: str | None, settings) -> Identity:
    if not authorization or not authorization.startswith("Bearer "):
        raise Unauthorized("a bearer token is required")
    token = authorization[len("Bearer "):].strip()
    try:
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise Unauthorized("the token cannot be read") from None
    if unverified.get("iss") != DEV_ISSUER or not settings.is_development:
        raise Unauthorized("tokens from this issuer are not accepted here")
    try:
        claims = jwt.decode(token, settings.dev_issuer_secret, algorithms=["HS256"],
                            audience=AUDIENCE, issuer=DEV_ISSUER, leeway=30,
                            options={"require": ["exp", "iss", "aud", "sub"]})
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"the token is not valid: {exc}") from None
    role = claims.get(ROLE_CLAIM)
    if role not in ROLES:
        raise Unauthorized("the token carries no known role")
    return Identity(issuer=claims["iss"], subject=str(claims["sub"]), role=role,
                    name=claims.get("name"), email=claims.get("email"))
