"""One settings loader for every service and tool: environment first, then a config file.

Settings are read when a dependency starts (or a command runs), never at import time.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Mapping

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent

# Each setting: (environment variable / config key, default). The config file may use the same
# keys; a per-service override is read first as "<SERVICE>_<KEY>" (e.g. CERTIFICATES_DATABASE_URL).
_SPEC = {
    "environment": ("CIM_ENV", "development"),
    "amqp_uri": ("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/"),
    "database_url": ("DATABASE_URL", "sqlite:///{data_dir}/{service}.db"),
    "data_dir": ("CIM_DATA_DIR", str(REPO_ROOT / "var")),
    "public_base_url": ("CIM_PUBLIC_BASE_URL", "http://127.0.0.1:8000"),
    # the student/staff web front-end the messages link to; unset, the public base URL
    "web_url": ("CIM_WEB_URL", None),
    "smtp_host": ("SMTP_HOST", "127.0.0.1"),
    "smtp_port": ("SMTP_PORT", "1025"),
    # none | starttls | tls (implicit TLS, e.g. port 465); the server's certificate is checked
    # against the system's CAs, or SMTP_CA_FILE's; SMTP_TLS_VERIFY=false only for development
    "smtp_security": ("SMTP_SECURITY", "none"),
    "smtp_ca_file": ("SMTP_CA_FILE", ""),
    "smtp_tls_verify": ("SMTP_TLS_VERIFY", "true"),
    "smtp_username": ("SMTP_USERNAME", ""),  # with a username, the mailer logs in (AUTH)
    "smtp_password": ("SMTP_PASSWORD", ""),  # from a secret; never printed (repr) or logged
    "mail_from": ("CIM_MAIL_FROM", "CIM <cim-noreply@example.org>"),
    "dev_issuer_secret": ("CIM_DEV_ISSUER_SECRET", "cim-development-issuer-secret-change-me"),
    "retry_limit": ("CIM_RETRY_LIMIT", "5"),
    "retry_delay_ms": ("CIM_RETRY_DELAY_MS", "1000"),
    "outbox_poll_ms": ("CIM_OUTBOX_POLL_MS", "500"),
    # inbound campus events: at most this many per transaction, gathered for at most this long
    "ingest_batch": ("CIM_INGEST_BATCH", "200"),
    "ingest_linger_ms": ("CIM_INGEST_LINGER_MS", "50"),
    "render_timeout_s": ("CIM_RENDER_TIMEOUT_S", "60"),
    # the gateway answers 504 when the services have not answered a request within this many seconds
    "request_timeout_s": ("CIM_REQUEST_TIMEOUT_S", "30"),
    # PostgreSQL connections per service process: kept open, and opened beyond that under load
    # (a process runs up to max_workers workers, 10 by default, each holding one while it works)
    "db_pool_size": ("CIM_DB_POOL_SIZE", "10"),
    "db_max_overflow": ("CIM_DB_MAX_OVERFLOW", "10"),
    "max_upload_bytes": ("CIM_MAX_UPLOAD_BYTES", str(10 * 1024 * 1024)),
    # (policy) a student cancels a ceremony booking until this many days before it
    "ceremony_cancellation_days": ("CIM_CEREMONY_CANCELLATION_DAYS", "7"),
    # (policy) an item waiting longer than this many days for a decision is reminded of
    "review_target_days": ("CIM_REVIEW_TARGET_DAYS", "14"),
}

_BOOLEANS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


@dataclass(frozen=True)
class Settings:
    service: str
    environment: str
    amqp_uri: str
    database_url: str
    data_dir: Path
    public_base_url: str
    web_url: str
    smtp_host: str
    smtp_port: int
    smtp_security: str
    smtp_ca_file: str
    smtp_tls_verify: bool
    smtp_username: str
    smtp_password: str = field(repr=False)
    mail_from: str
    dev_issuer_secret: str = field(repr=False)
    retry_limit: int
    retry_delay_ms: int
    outbox_poll_ms: int
    ingest_batch: int
    ingest_linger_ms: int
    render_timeout_s: int
    request_timeout_s: int
    db_pool_size: int
    db_max_overflow: int
    max_upload_bytes: int
    ceremony_cancellation_days: int
    review_target_days: int

    @property
    def is_development(self) -> bool:
        return self.environment == "development"

    def __repr__(self) -> str:
        """Every setting but the secrets; a password inside a URL (broker, database) shows as ***."""
        shown = (f for f in fields(self) if f.repr)
        return f"Settings({', '.join(f'{f.name}={_without_password(getattr(self, f.name))!r}' for f in shown)})"


def _without_password(value):
    if isinstance(value, str) and "://" in value:
        return re.sub(r"(://[^/@:]*):[^/@]*@", r"\1:***@", value)
    return value


def _config_file(env: Mapping[str, str]) -> dict:
    path = env.get("CIM_CONFIG")
    if not path:
        return {}
    with open(path) as handle:
        return yaml.safe_load(handle) or {}


def normalise_database_url(url: str) -> str:
    """Use the eventlet-safe pure-Python driver for PostgreSQL (see docs/decisions/0003)."""
    for prefix in ("postgresql://", "postgres://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+pg8000://" + url[len(prefix) :]
    return url


class SettingsSource:
    """Any setting by its key, with the one precedence of this project: "<SERVICE>_<KEY>" in the
    environment, "<KEY>" in the environment, the config (given, or the file named by CIM_CONFIG),
    the default. Services with settings of their own (the gateway's identity provider, the
    certificates' signing keys) read them through this, when their dependency starts."""

    def __init__(self, service: str, config: Mapping | None = None, env: Mapping[str, str] | None = None):
        self.env = os.environ if env is None else env
        self.config = dict(_config_file(self.env)) if config is None else dict(config)
        self.prefix = service.upper().replace("-", "_") + "_"

    def get(self, key: str, default=None):
        for value in (self.env.get(self.prefix + key), self.env.get(key), self.config.get(key)):
            if value not in (None, ""):
                return str(value)
        return default

    def __getitem__(self, key: str) -> str:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None


def load_settings(service: str, config: Mapping | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Resolve every common setting (see SettingsSource for the precedence)."""
    source = SettingsSource(service, config, env)
    raw = {name: source.get(key, default) for name, (key, default) in _SPEC.items()}
    data_dir = Path(raw["data_dir"])
    raw["web_url"] = raw["web_url"] or raw["public_base_url"]
    raw["database_url"] = normalise_database_url(
        raw["database_url"].replace("{service}", service).replace("{data_dir}", str(data_dir))
    )
    typed = {}
    for setting in fields(Settings):
        if setting.name == "service":
            continue
        value = raw[setting.name]
        if setting.type == "int":
            try:
                value = int(value)
            except ValueError:
                raise ValueError(f"setting {_SPEC[setting.name][0]} must be a whole number, got {value!r}") from None
        elif setting.type == "bool":
            if value.lower() not in _BOOLEANS:
                raise ValueError(f"setting {_SPEC[setting.name][0]} must be true or false, got {value!r}")
            value = _BOOLEANS[value.lower()]
        elif setting.type == "Path":
            value = Path(value)
        typed[setting.name] = value
    return Settings(service=service, **typed)
