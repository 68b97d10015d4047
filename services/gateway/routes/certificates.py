"""Routes answered by the certificates service.

Public: the verification page and JSON, the Open Badges key set and revocation status list. Guessing codes is slowed
down here: after too many unknown codes from one client in a window (`FailedLookups`, a counter
in Redis) every look-up from it answers 429 with Retry-After until the window has passed.
"""

from __future__ import annotations

import base64
import html
import json
import logging

from werkzeug.wrappers import Response

from services.gateway import ratelimit
from services.gateway.bodies import json_body
from services.gateway.errors import RateLimited
from services.gateway.paging import page_query
from services.gateway.routes import Routes
from services.gateway.routing import route
from shared.permissions import ADMIN, REGISTRAR, STUDENT
from shared.rpc.certificates import (
    CertificateView,
    DiplomaSupplementView,
    ReissueRequest,
    RevocationRequest,
    ReviewDecisionRequest,
    ReviewView,
    VerificationView,
)

log = logging.getLogger(__name__)


class CertificatesRoutes(Routes):
    @route("GET", "/v1/verify/<string:code>", roles=None, response=VerificationView)
    def verify_json(self, request, identity, code):
        return 200, self._verify(request, code)

    @route(
        "GET",
        "/verify/<string:code>",
        roles=None,
        produces="text/html",
        responses={
            404: {
                "description": "unknown code (the page says so)",
                "content": {"text/html": {"schema": {"type": "string"}}},
            },
            429: {
                "description": "too many requests (a problem), or too many unknown codes from this "
                "client lately (a page asking to wait); see Retry-After",
                "headers": {"Retry-After": {"schema": {"type": "integer"}}},
                "content": {"text/html": {"schema": {"type": "string"}}},
            },
        },
    )
    def verify_page(self, request, identity, code):
        try:
            result = self._verify(request, code)
        except RateLimited as exc:
            return Response(
                slow_down_page(exc.retry_after),
                status=429,
                mimetype="text/html",
                headers={**exc.headers, **PAGE_HEADERS},
            )
        return Response(
            verification_page(result),
            status=200 if result["status"] != "unknown" else 404,
            mimetype="text/html",
            headers=PAGE_HEADERS,
        )

    def _verify(self, request, code) -> dict:
        """Look the code up, unless this client has guessed wrong too often lately."""
        # failures count against the client's address (public routes carry no identity)
        limiter, who = self.security.failed_lookups, ratelimit.caller(request, None)
        wait = limiter.retry_after(who)
        if wait:
            raise RateLimited(f"too many unknown codes from this client; try again in {wait} s", wait)
        result = self.certificates.verify(code)
        if result["status"] == "unknown":
            limiter.record_failure(who)
        return result

    @route("GET", "/.well-known/jwks.json", roles=None)
    def badge_key_set(self, request, identity):
        """The public keys that verify the Open Badges credentials (VC-JWT) we sign."""
        return Response(
            json.dumps(self.certificates.jwks()),
            mimetype="application/json",
            headers={"Cache-Control": "public, max-age=300"},
        )

    @route("GET", "/v1/credentials/status/<string:list_number>", roles=None, produces="application/vc+jwt")
    def revocation_status_list(self, request, identity, list_number):
        """The revocation status list the Open Badges credentials point at (Bitstring Status List).

        A BitstringStatusListCredential as a VC-JWT, signed with the badge key (see the JWKS): one
        bit per certificate version, 1 once it is revoked or superseded by a re-issue. Cacheable
        for the list's `ttl`; a revocation shows within that time."""
        signed = self.certificates.status_list(list_number)
        return Response(
            signed["credential"],
            mimetype=signed["media_type"],
            headers={
                "Cache-Control": f"public, max-age={signed['ttl_seconds']}, must-revalidate",
                "X-Content-Type-Options": "nosniff",
            },
        )

    @route("GET", "/v1/me/certificate/badge", roles=(STUDENT,), produces="application/vc+jwt")
    def my_badge(self, request, identity):
        """The student's certificate as an Open Badges 3.0 credential (VC-JWT, ES256)."""
        badge = self.certificates.badge(self._student(identity))
        return Response(
            badge["credential"],
            mimetype=badge["media_type"],
            headers={"Content-Disposition": f'attachment; filename="{badge["filename"]}"'},
        )

    @route("GET", "/v1/me/certificate", roles=(STUDENT,), response=CertificateView)
    def my_certificate(self, request, identity):
        return 200, self.certificates.get_certificate(self._student(identity))

    @route("GET", "/v1/me/certificate.pdf", roles=(STUDENT,), produces="application/pdf")
    def my_certificate_pdf(self, request, identity):
        document = self.certificates.download(self._student(identity))
        return Response(
            base64.b64decode(document["content_b64"]),
            mimetype="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{document["filename"]}"'},
        )

    @route(
        "GET",
        "/v1/students/<string:student_id>/diploma-supplement",
        roles=(REGISTRAR, ADMIN),
        response=DiplomaSupplementView,
    )
    def diploma_supplement(self, request, identity, student_id):
        return 200, self.certificates.diploma_supplement(self._staff(identity), student_id)

    @route(
        "POST",
        "/v1/certificates/<string:code>/revocation",
        roles=(ADMIN,),
        body=RevocationRequest,
        response=VerificationView,
        status=200,
    )
    def revoke(self, request, identity, code):
        body = json_body(request)
        return 200, self.certificates.revoke(self._staff(identity), code, body)

    @route(
        "POST",
        "/v1/certificates/<string:code>/reissue",
        roles=(ADMIN,),
        body=ReissueRequest,
        response=CertificateView,
        status=201,
    )
    def reissue(self, request, identity, code):
        """{reason}: a new version (new code) supersedes this valid certificate."""
        body = json_body(request)
        return 201, self.certificates.reissue(self._staff(identity), code, body)

    @route("GET", "/v1/certificates/reviews", roles=(ADMIN,), response=ReviewView(many=True))
    def certificate_reviews(self, request, identity):
        """Valid certificates flagged after one of their activities lost its approval."""
        return 200, self.certificates.reviews(self._staff(identity), page_query(request))

    @route(
        "POST",
        "/v1/certificates/<string:code>/review",
        roles=(ADMIN,),
        body=ReviewDecisionRequest,
        response=VerificationView,
        status=200,
    )
    def decide_certificate_review(self, request, identity, code):
        """{decision: keep|revoke, reason}: close the certificate's pending reviews."""
        body = json_body(request)
        return 200, self.certificates.decide_review(self._staff(identity), code, body)

    @route("GET", "/v1/ceremonies/<string:ceremony_id>/certificates.zip", roles=(ADMIN,), produces="application/zip")
    def ceremony_certificates(self, request, identity, ceremony_id):
        """Every valid certificate PDF of the ceremony, as one ZIP."""
        archive = self.certificates.ceremony_archive(self._staff(identity), ceremony_id)
        return Response(
            base64.b64decode(archive["content_b64"]),
            mimetype="application/zip",
            headers={
                "Content-Disposition": f'attachment; filename="{archive["filename"]}"',
                "X-Certificate-Count": str(archive["count"]),
            },
        )


_STATUS_TEXT = {
    "valid": ("Valid certificate", "Giltigt intyg"),
    "revoked": ("Revoked certificate", "Återkallat intyg"),
    "superseded": ("Superseded by a newer version", "Ersatt av en nyare version"),
    "unknown": ("Unknown code", "Okänd kod"),
}
_EXPLANATION = {
    "valid": (
        "This certificate was issued by the Faculty of Medicine and is valid.",
        "Intyget är utfärdat av Medicinska fakulteten och är giltigt.",
    ),
    "revoked": (
        "This certificate was revoked and is no longer valid.",
        "Intyget har återkallats och är inte längre giltigt.",
    ),
    "superseded": ("A newer version of this certificate replaces it.", "En nyare version av intyget ersätter det."),
    "unknown": (
        "No certificate has this code. Check that it was typed correctly.",
        "Inget intyg har denna kod. Kontrollera att den skrevs in rätt.",
    ),
}
_LABELS = {
    "en": {
        "holder": "Holder",
        "programme": "Programme",
        "issued": "Date of issue",
        "code": "Verification code",
        "reason": "Reason for revocation",
        "current": "See the current version",
    },
    "sv": {
        "holder": "Innehavare",
        "programme": "Program",
        "issued": "Utfärdandedatum",
        "code": "Verifieringskod",
        "reason": "Skäl för återkallelse",
        "current": "Se den aktuella versionen",
    },
}
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Robots-Tag": "noindex",
    "Cache-Control": "no-store",
}
_STYLE = (
    "body{font-family:sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;"
    "color:#1b1b1b}section{border-top:1px solid #ccc;margin-top:1.5rem}"
    "dt{font-weight:bold;margin-top:.5rem}dd{margin-left:0}"
    ".valid{color:#14602a}.revoked,.unknown{color:#a01818}.superseded{color:#8a5a00}"
)


def _section(result: dict, language: str) -> str:
    e = lambda value: html.escape(str(value or ""))  # noqa: E731
    status = result.get("status") if result.get("status") in _STATUS_TEXT else "unknown"
    index = 0 if language == "en" else 1
    label = _LABELS[language]
    parts = [
        f"<section lang={language} data-language={language}>",
        f"<h2 class='status {status}' data-status='{status}'>{e(_STATUS_TEXT[status][index])}</h2>",
        f"<p>{e(_EXPLANATION[status][index])}</p>",
    ]
    if status != "unknown":
        programme = result.get("programme") or {}
        issued = str(result.get("issued_at") or "")[:10]
        parts.append(
            f"<dl><dt>{label['holder']}</dt><dd class=holder>{e(result.get('holder'))}</dd>"
            f"<dt>{label['programme']}</dt><dd>{e(programme.get(f'name_{language}'))}</dd>"
            f"<dt>{label['issued']}</dt><dd>{e(issued)}</dd>"
            f"<dt>{label['code']}</dt><dd><code>{e(result.get('code'))}</code></dd>"
        )
        if status == "revoked" and result.get("revoked_reason"):
            parts.append(f"<dt>{label['reason']}</dt><dd class=reason>{e(result['revoked_reason'])}</dd>")
        parts.append("</dl>")
        if status == "superseded" and result.get("superseded_by"):
            parts.append(f"<p><a class=current href='/verify/{e(result['superseded_by'])}'>{label['current']}</a></p>")
    parts.append("</section>")
    return "".join(parts)


def verification_page(result: dict) -> str:
    """The page a person sees from the QR code: English and Swedish, escaped, no outside assets.

    It shows what the certificate itself shows (holder, programme, issue date, code), the state,
    a revocation's reason and a superseded version's successor; nothing else.
    """
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        "<meta name=viewport content='width=device-width, initial-scale=1'>"
        "<meta name=robots content=noindex>"
        "<title>Certificate of International Merits: verification</title>"
        f"<style>{_STYLE}</style></head><body>"
        "<h1>Certificate of International Merits <small lang=sv>/ Intyg om internationella "
        "meriter</small></h1>"
        f"{_section(result, 'en')}{_section(result, 'sv')}</body></html>"
    )


def slow_down_page(retry_after: int) -> str:
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        "<title>Certificate of International Merits: verification</title>"
        f"<style>{_STYLE}</style></head><body><h1>Certificate of International Merits</h1>"
        f"<p>Too many unknown codes were tried from your connection. Try again in "
        f"{int(retry_after)} seconds.</p><p lang=sv>För många okända koder har provats från din "
        f"anslutning. Försök igen om {int(retry_after)} sekunder.</p></body></html>"
    )
