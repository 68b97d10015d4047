"""The Open Badges 3.0 credential as a VC-JWT (ES256), and the key set that verifies it."""

from __future__ import annotations

from datetime import datetime

import jwt

from services.certificates.keys import SigningKeys

MEDIA_TYPE = "application/vc+jwt"


def sign_credential(credential: dict, keys: SigningKeys) -> str:
    """The credential as a compact JWS (VC-JWT, VC Data Model 1.1 encoding with a `vc` claim).

    The registered claims mirror the credential: `iss` its issuer, `jti` its id, `nbf` its
    issuance date; `kid` names the key of the published key set.
    """
    jwk = keys.badge_public_jwk()
    issued = datetime.fromisoformat(credential["issuanceDate"].replace("Z", "+00:00"))
    claims = {
        "iss": credential["issuer"]["id"],
        "jti": credential["id"],
        "nbf": int(issued.timestamp()),
        "iat": int(issued.timestamp()),
        "vc": credential,
    }
    return jwt.encode(claims, keys.badge_private_key(), algorithm="ES256", headers={"kid": jwk["kid"], "typ": "JWT"})


def key_set(keys: SigningKeys) -> dict:
    """The JWKS published at /.well-known/jwks.json."""
    return {"keys": [keys.badge_public_jwk()]}
