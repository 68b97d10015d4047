"""The certificates service's signing keys: the PDF seal (PAdES) and the Open Badges key (VC-JWT).

In deployment both come from configuration, as files mounted from secrets:
`CIM_SEAL_KEY_FILE` + `CIM_SEAL_CERT_FILE` (PEM private key and its X.509 certificate) and
`CIM_BADGE_KEY_FILE` (PEM private key, EC P-256 for ES256). The environment is read first,
then the service's config. In development (`CIM_ENV=development`) a missing key is generated
once into `CIM_DATA_DIR/certificates-keys/` (a self-signed seal certificate); outside
development a missing key stops the service at start-up.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from nameko.extensions import DependencyProvider

from shared.settings import SettingsSource, load_settings

SEAL_KEY = "CIM_SEAL_KEY_FILE"
SEAL_CERT = "CIM_SEAL_CERT_FILE"
BADGE_KEY = "CIM_BADGE_KEY_FILE"
DEV_DIR = "certificates-keys"


class MissingKey(RuntimeError):
    """A signing key is not configured outside development."""


@dataclass(frozen=True)
class SigningKeys:
    seal_key_file: Path
    seal_cert_file: Path
    badge_key_file: Path

    def badge_private_key(self):
        return serialization.load_pem_private_key(self.badge_key_file.read_bytes(), password=None)

    def badge_public_jwk(self) -> dict:
        return public_jwk(self.badge_private_key().public_key())


def _b64url_uint(value: int, length: int) -> str:
    return base64.urlsafe_b64encode(value.to_bytes(length, "big")).rstrip(b"=").decode("ascii")


def public_jwk(public_key: ec.EllipticCurvePublicKey) -> dict:
    """The public key as a JWK (RFC 7517), its `kid` the RFC 7638 thumbprint."""
    numbers = public_key.public_numbers()
    jwk = {"crv": "P-256", "kty": "EC", "x": _b64url_uint(numbers.x, 32), "y": _b64url_uint(numbers.y, 32)}
    canonical = json.dumps(jwk, sort_keys=True, separators=(",", ":")).encode("ascii")
    kid = base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()
    return {**jwk, "kid": kid, "use": "sig", "alg": "ES256"}


def _write_private_key(path: Path, key) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def generate_seal(key_file: Path, cert_file: Path, common_name="CIM development seal") -> None:
    """A new EC P-256 key and a self-signed certificate for sealing (development and tests)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Faculty of Medicine (development, not trusted)"),
        ]
    )
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    _write_private_key(key_file, key)
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def generate_badge_key(key_file: Path) -> None:
    _write_private_key(key_file, ec.generate_private_key(ec.SECP256R1()))


def resolve_keys(*, env: Mapping[str, str], config: Mapping, data_dir: Path, development: bool) -> SigningKeys:
    """The configured key files; in development, generated ones where none is configured."""

    def setting(key):
        return env.get(key) or config.get(key) or None

    seal_key, seal_cert, badge_key = setting(SEAL_KEY), setting(SEAL_CERT), setting(BADGE_KEY)
    missing = [
        name for name, value in ((SEAL_KEY, seal_key), (SEAL_CERT, seal_cert), (BADGE_KEY, badge_key)) if not value
    ]
    if missing and not development:
        raise MissingKey(f"set {', '.join(missing)}: signing keys are generated only in development")
    dev = Path(data_dir) / DEV_DIR
    if not (seal_key and seal_cert):
        seal_key, seal_cert = dev / "seal-key.pem", dev / "seal-cert.pem"
        if not (seal_key.is_file() and seal_cert.is_file()):
            generate_seal(seal_key, seal_cert)
    if not badge_key:
        badge_key = dev / "badge-key.pem"
        if not badge_key.is_file():
            generate_badge_key(badge_key)
    keys = SigningKeys(Path(seal_key), Path(seal_cert), Path(badge_key))
    for path in (keys.seal_key_file, keys.seal_cert_file, keys.badge_key_file):
        if not path.is_file():
            raise MissingKey(f"the signing key file {path} does not exist")
    return keys


class Keys(DependencyProvider):
    """The signing keys, resolved once when the container starts."""

    def setup(self):
        settings = load_settings(self.container.service_name, self.container.config)
        self.keys = resolve_keys(
            env=SettingsSource(self.container.service_name, self.container.config),
            config={},
            data_dir=settings.data_dir,
            development=settings.is_development,
        )

    def get_dependency(self, worker_ctx):
        return self.keys
