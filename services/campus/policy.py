"""The campus edge's own settings, read when the service starts (never at import)."""

from __future__ import annotations

from dataclasses import dataclass

from nameko.extensions import DependencyProvider

from services.campus.domain.inbound import DEFAULT_WAITING_DAYS
from shared.settings import SettingsSource


@dataclass(frozen=True)
class CampusSettings:
    issuer: str  # the identity provider campus systems' `student_ref`s belong to
    waiting_days: int  # how long events about people not registered are kept


def campus_settings(source: SettingsSource) -> CampusSettings:
    issuer = source.get("CIM_CAMPUS_ISSUER") or source.get("CIM_OIDC_ISSUER") or "cim-dev"
    days = source.get("CIM_CAMPUS_WAITING_DAYS", str(DEFAULT_WAITING_DAYS))
    try:
        waiting_days = int(days)
    except ValueError:
        raise ValueError(f"setting CIM_CAMPUS_WAITING_DAYS must be a whole number, got {days!r}") from None
    return CampusSettings(issuer=issuer, waiting_days=waiting_days)


class CampusPolicy(DependencyProvider):
    def setup(self):
        self.settings = campus_settings(SettingsSource(self.container.service_name, self.container.config))

    def get_dependency(self, worker_ctx):
        return self.settings
