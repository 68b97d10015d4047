"""The gateway's security settings as a nameko dependency: the OpenID Connect verifier (with its
key cache, shared by every worker) and the rate limiter.

Read when the container starts, environment first, then config.yaml, then defaults:
CIM_OIDC_* / CIM_ROLE_* (see auth.py), REDIS_URL, CIM_RATE_LIMIT_PREFIX,
CIM_RATE_LIMIT_WRITES (default 60/60: 60 writes a minute per person) and
CIM_RATE_LIMIT_LOOKUPS (default 30/60: verification look-ups a minute per client).
"""

from __future__ import annotations

from nameko.extensions import DependencyProvider

from services.gateway.auth import OidcSettings, OidcVerifier, VerifiedTokens
from services.gateway.ratelimit import DEFAULT_REDIS_URL, FailedLookups, Rate, RateLimiter
from shared.settings import SettingsSource

DEFAULT_RATES = {"write": "60/60", "lookup": "30/60"}


class Security:
    def __init__(
        self,
        oidc: OidcVerifier | None,
        limiter: RateLimiter,
        rates: dict[str, Rate],
        failed_lookups: FailedLookups,
        tokens: VerifiedTokens | None = None,
    ):
        self.oidc = oidc
        self.tokens = tokens
        self.limiter = limiter
        self.rates = rates
        self.failed_lookups = failed_lookups

    def limit(self, bucket: str, who: str, rate: Rate | None = None):
        """Count a request of `bucket` for `who`; RateLimited (429) when over its rate."""
        self.limiter.check(bucket, who, rate or self.rates[bucket])


class GatewaySecurity(DependencyProvider):
    def setup(self):
        source = SettingsSource(self.container.service_name, self.container.config)
        settings = OidcSettings.from_env(source)
        rates = {
            bucket: Rate.parse(source.get(f"CIM_RATE_LIMIT_{bucket.upper()}S", default))
            for bucket, default in DEFAULT_RATES.items()
        }
        limiter = RateLimiter.from_url(
            source.get("REDIS_URL", DEFAULT_REDIS_URL), source.get("CIM_RATE_LIMIT_PREFIX", "cim:rl")
        )
        # unknown verification codes per client (CIM_VERIFY_FAILURES, default 10 per 10 minutes)
        failures = Rate.parse(source.get("CIM_VERIFY_FAILURES", "10/600"))
        failed = FailedLookups(limiter.client, limiter.prefix, failures.count, failures.per_s)
        # tokens verified lately (CIM_TOKEN_CACHE_TTL_S, default 30; CIM_TOKEN_CACHE_SIZE, 10,000)
        tokens = VerifiedTokens(
            ttl_s=float(source.get("CIM_TOKEN_CACHE_TTL_S", "30")),
            max_size=int(source.get("CIM_TOKEN_CACHE_SIZE", "10000")),
        )
        self.security = Security(OidcVerifier(settings) if settings else None, limiter, rates, failed, tokens)

    def stop(self):
        self.security.limiter.client.close()

    def get_dependency(self, worker_ctx):
        return self.security
