"""Routes answered by the certificates service."""
from __future__ import annotations

import base64
import html

from werkzeug.wrappers import Response

from services.gateway.domain import ADMIN, REGISTRAR, STUDENT
from services.gateway.http import json_body, route, Routes


class CertificatesRoutes(Routes):
    @route("GET", "/v1/verify/<string:code>", roles=None)
    def verify_json(self, request, identity, code):
        return 200, self.certificates.verify(code)

    @route("GET", "/verify/<string:code>", roles=None)
    def verify_page(self, request, identity, code):
        result = self.certificates.verify(code)
        return Response(verification_page(result), status=200 if result["status"] != "unknown" else 404,
                        mimetype="text/html")

    @route("GET", "/v1/me/certificate", roles=(STUDENT,))
    def my_certificate(self, request, identity):
        return 200, self.certificates.get_certificate(self._student(identity))

    @route("GET", "/v1/me/certificate.pdf", roles=(STUDENT,))
    def my_certificate_pdf(self, request, identity):
        document = self.certificates.download(self._student(identity))
        return Response(base64.b64decode(document["content_b64"]), mimetype="application/pdf",
                        headers={"Content-Disposition":
                                 f'attachment; filename="{document["filename"]}"'})

    @route("GET", "/v1/students/<string:student_id>/diploma-supplement", roles=(REGISTRAR, ADMIN))
    def diploma_supplement(self, request, identity, student_id):
        return 200, self.certificates.diploma_supplement(self._staff(identity), student_id)

    @route("POST", "/v1/certificates/<string:code>/revocation", roles=(ADMIN,))
    def revoke(self, request, identity, code):
        body = json_body(request)
        return 200, self.certificates.revoke(self._staff(identity), code, body)


_STATUS_TEXT = {
    "valid": ("Valid certificate", "Giltigt intyg"),
    "revoked": ("Revoked certificate", "Återkallat intyg"),
    "superseded": ("Superseded by a newer version", "Ersatt av en nyare version"),
    "unknown": ("Unknown code", "Okänd kod"),
}


def verification_page(result: dict) -> str:
    """The page a person sees from the QR code: English and Swedish, escaped, no outside assets."""
    e = lambda value: html.escape(str(value or ""))  # noqa: E731
    en, sv = _STATUS_TEXT.get(result.get("status"), _STATUS_TEXT["unknown"])
    rows = ""
    if result.get("status") != "unknown":
        programme = result.get("programme") or {}
        rows = (f"<dl><dt>Holder / Innehavare</dt><dd>{e(result.get('holder'))}</dd>"
                f"<dt>Programme / Program</dt><dd>{e(programme.get('name_en'))} / "
                f"{e(programme.get('name_sv'))}</dd>"
                f"<dt>Issued / Utfärdat</dt><dd>{e(result.get('issued_at'))}</dd></dl>")
        if result.get("revoked_reason"):
            rows += f"<p>Reason / Skäl: {e(result['revoked_reason'])}</p>"
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        "<meta name=viewport content='width=device-width, initial-scale=1'>"
        "<title>Certificate of International Merits: verification</title>"
        "<style>body{font-family:sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem}"
        ".valid{color:#14602a}.revoked,.unknown{color:#a01818}.superseded{color:#8a5a00}</style>"
        "</head><body><h1>Certificate of International Merits</h1>"
        f"<h2 class='{e(result.get('status'))}'>{e(en)} / <span lang=sv>{e(sv)}</span></h2>"
        f"<p>Code / Kod: <code>{e(result.get('code'))}</code></p>{rows}</body></html>")
