"""Revocation status as a W3C Bitstring Status List (v1.0): one bit per certificate version.

Every certificate version gets a status index once, when it is stored (a database sequence, so
two replicas never hand out the same one). Index `n` is bit `n % LIST_SIZE` of list
`n // LIST_SIZE + 1`; a bit is 1 when that version was revoked or superseded (re-issued), 0
while it is valid. A list always has LIST_SIZE entries (131,072 bits, 16 KB uncompressed: the
spec's minimum, so that one credential's status hides among many), GZIP-compressed and
base64url-encoded without padding behind the multibase prefix 'u'. Bit 0 is the left-most bit
of the first byte.

The list is published as a BitstringStatusListCredential (VC Data Model 2.0), signed like the
badges (badge.py), at `status_list_url`.
"""

from __future__ import annotations

import base64
import gzip
from datetime import datetime

from services.certificates.domain.open_badges import VC_CONTEXT_V2, issuer_profile, timestamp

LIST_SIZE = 131_072  # entries per list: 16 KB of bits
REVOCATION = "revocation"
ENTRY_TYPE = "BitstringStatusListEntry"
CREDENTIAL_TYPE = "BitstringStatusListCredential"
LIST_TYPE = "BitstringStatusList"
MULTIBASE_BASE64URL = "u"
TTL_SECONDS = 300  # how long a verifier may keep a fetched list (also the HTTP max-age)


def list_position(status_index: int) -> tuple[int, int]:
    """(the list's number, from 1; the bit within it) of a certificate's status index."""
    if status_index < 0:
        raise ValueError("a status index is not negative")
    return status_index // LIST_SIZE + 1, status_index % LIST_SIZE


def list_range(list_number: int) -> tuple[int, int]:
    """The status indexes list `list_number` holds: [first, last]."""
    first = (list_number - 1) * LIST_SIZE
    return first, first + LIST_SIZE - 1


def status_list_url(public_base_url: str, list_number: int) -> str:
    return f"{public_base_url.rstrip('/')}/v1/credentials/status/{list_number}"


def status_entry(status_index: int, public_base_url: str) -> dict:
    """The credential's `credentialStatus`: where its revocation bit is and which one it is."""
    list_number, bit = list_position(status_index)
    url = status_list_url(public_base_url, list_number)
    return {
        "id": f"{url}#{bit}",  # the entry, not the list (the spec: never the list's URL)
        "type": ENTRY_TYPE,
        "statusPurpose": REVOCATION,
        "statusListIndex": str(bit),  # an integer as a base-10 string, as the spec says
        "statusListCredential": url,
    }


def encode_bits(set_bits, size: int = LIST_SIZE) -> str:
    """The bitstring of `size` bits with `set_bits` at 1, GZIP-compressed, multibase base64url."""
    bits = bytearray(size // 8)
    for bit in set_bits:
        if not 0 <= bit < size:
            raise ValueError(f"bit {bit} is outside a list of {size}")
        bits[bit // 8] |= 0x80 >> (bit % 8)
    # mtime=0: the same bits always compress to the same bytes
    compressed = gzip.compress(bytes(bits), mtime=0)
    return MULTIBASE_BASE64URL + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def decode_bits(encoded_list: str) -> bytes:
    """The uncompressed bitstring of an `encodedList` (what a verifier does)."""
    if not encoded_list.startswith(MULTIBASE_BASE64URL):
        raise ValueError("an encodedList starts with the multibase prefix 'u' (base64url)")
    data = encoded_list[1:]
    return gzip.decompress(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))


def bit_at(bitstring: bytes, bit: int) -> int:
    return (bitstring[bit // 8] >> (7 - bit % 8)) & 1


def status_list_credential(list_number: int, set_bits, *, public_base_url: str, now: datetime) -> dict:
    """The list as a BitstringStatusListCredential (unsigned), valid from `now`."""
    url = status_list_url(public_base_url, list_number)
    return {
        "@context": [VC_CONTEXT_V2],
        "id": url,
        "type": ["VerifiableCredential", CREDENTIAL_TYPE],
        "issuer": issuer_profile(public_base_url),
        "validFrom": timestamp(now),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": LIST_TYPE,
            "statusPurpose": REVOCATION,
            "encodedList": encode_bits(set_bits),
            "ttl": TTL_SECONDS * 1000,  # milliseconds
        },
    }
