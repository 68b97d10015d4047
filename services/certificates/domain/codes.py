"""The verification code: the public key to a certificate, unguessable, read back forgivingly."""

from __future__ import annotations

import base64
import re
import secrets

CODE_BYTES = 16  # 128 bits from the OS's CSPRNG; the code is the only key to the public page
CODE_LENGTH = 26  # base32 of 16 bytes without padding
CODE_PATTERN = re.compile(r"^[A-Z2-7]{26}$")


def new_code() -> str:
    """A verification code: unguessable, URL-safe, and easy to read aloud or type (no 0/1/8/9)."""
    return base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode("ascii").rstrip("=")


def normalise_code(text: str) -> str | None:
    """What a verifier typed, as a code (case and separators forgiven), or None if it cannot be one."""
    candidate = re.sub(r"[\s-]", "", text or "").upper()
    return candidate if CODE_PATTERN.match(candidate) else None
