"""The credentials the platform signs, as VC-JWTs (ES256), and the key set that verifies them.

The Open Badges 3.0 credential and the revocation status list are both VC Data Model 2.0
credentials; as Open Badges 3.0 (section 8.2, JSON Web Token Proof Format) has it, the JWT's
payload is the credential itself, with the registered claims mirroring it: `iss` its issuer,
`jti` its id, `nbf` (and `iat`) its `validFrom`. The header names the key of the published key
set (`kid`) and nothing more than `alg` and `typ`. (No `sub`: the credential names its holder by
name only, it has no `credentialSubject.id` to mirror.)
"""

from __future__ import annotations

from datetime import datetime

import jwt

from services.certificates.keys import SigningKeys

MEDIA_TYPE = "application/vc+jwt"


def sign_credential(credential: dict, keys: SigningKeys) -> str:
    """The credential as a compact JWS whose payload is the credential and its claims."""
    jwk = keys.badge_public_jwk()
    valid_from = datetime.fromisoformat(credential["validFrom"].replace("Z", "+00:00"))
    claims = {
        **credential,
        "iss": credential["issuer"]["id"],
        "jti": credential["id"],
        "nbf": int(valid_from.timestamp()),
        "iat": int(valid_from.timestamp()),
    }
    return jwt.encode(claims, keys.badge_private_key(), algorithm="ES256", headers={"kid": jwk["kid"], "typ": "JWT"})


def key_set(keys: SigningKeys) -> dict:
    """The JWKS published at /.well-known/jwks.json."""
    return {"keys": [keys.badge_public_jwk()]}
