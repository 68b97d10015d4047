"""The gateway as a nameko service: HTTP in, RPC to the owning service, problem+json on failure.

Each route names the roles that may call it; the owning service then checks the object itself
(a student's own activity, a coordinator's own programme).
"""
from __future__ import annotations

import base64
import functools
import html
import json
import logging

from nameko.exceptions import RemoteError
from nameko.rpc import RpcProxy
from nameko.web.handlers import http
from werkzeug.wrappers import Response

from services.gateway import auth
from services.gateway.domain import (ADMIN, COORDINATOR, REGISTRAR, STUDENT, BadRequest,
                                     PayloadTooLarge, Unauthorized, UnsupportedMediaType, actor,
                                     require_role)
from services.gateway.errors import problem_response
from shared.dependencies import Config, CorrelationId
from shared.errors import CimError
from shared.health import health_report

log = logging.getLogger(__name__)

MAX_JSON_BYTES = 64 * 1024
ANY_ROLE = (STUDENT, COORDINATOR, ADMIN, REGISTRAR)
LOCAL_ERRORS = (Unauthorized, BadRequest, PayloadTooLarge, UnsupportedMediaType, CimError)


def route(method: str, path: str, roles: tuple[str, ...] | None):
    """An HTTP route; `roles=None` means public (no token)."""

    def decorate(fn):
        @http(method, path)
        @functools.wraps(fn)
        def handler(self, request, **path_values):
            cid = self.correlation_id
            try:
                identity = None
                if roles is not None:
                    identity = auth.authenticate(request.headers.get("Authorization"), self.settings)
                    require_role(identity, roles)
                result = fn(self, request, identity, **path_values)
            except RemoteError as exc:
                return problem_response(exc.exc_type, exc.value, cid)
            except LOCAL_ERRORS as exc:
                return problem_response(type(exc).__name__, exc.args[0] if exc.args else "", cid)
            except Exception:
                log.exception("unexpected error on %s %s [%s]", method, path, cid)
                return problem_response("Internal", "", cid)
            if isinstance(result, Response):
                result.headers["X-Correlation-ID"] = cid
                return result
            status, body = result
            return Response(json.dumps(body), status=status, mimetype="application/json",
                            headers={"X-Correlation-ID": cid})
        handler.cim_route = (method, path, roles)  # read by `cim docs` and the route tests
        return handler
    return decorate


def json_body(request) -> dict:
    if (request.content_length or 0) > MAX_JSON_BYTES:
        raise PayloadTooLarge(f"a JSON body may be at most {MAX_JSON_BYTES} bytes")
    if request.mimetype != "application/json":
        raise UnsupportedMediaType("send the body as application/json")
    raw = request.get_data(cache=False)
    if len(raw) > MAX_JSON_BYTES:
        raise PayloadTooLarge(f"a JSON body may be at most {MAX_JSON_BYTES} bytes")
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    return body


class GatewayService:
    name = "gateway"
    settings = Config()
    correlation_id = CorrelationId()
    registration = RpcProxy("registration")
    activities = RpcProxy("activities")
    approvals = RpcProxy("approvals")
    ceremony = RpcProxy("ceremony")
    certificates = RpcProxy("certificates")
    notifications = RpcProxy("notifications")

    # --- who is acting --------------------------------------------------------------------

    def _student(self, identity) -> dict:
        """The caller as a registered student (404 when they are not registered)."""
        student = self.registration.find_student(identity.issuer, identity.subject)
        return actor(identity, student_id=student["student_id"])

    def _staff(self, identity) -> dict:
        programmes = []
        if identity.role == COORDINATOR:
            programmes = self.approvals.coordinator_programmes(identity.subject)
        return actor(identity, programmes=programmes)

    # --- public ---------------------------------------------------------------------------

    @http("GET", "/health")
    def health(self, request):
        status, body = health_report(self.settings.amqp_uri)
        return status, {"Content-Type": "application/json"}, json.dumps(body)

    @route("GET", "/v1/verify/<string:code>", roles=None)
    def verify_json(self, request, identity, code):
        return 200, self.certificates.verify(code)

    @route("GET", "/verify/<string:code>", roles=None)
    def verify_page(self, request, identity, code):
        result = self.certificates.verify(code)
        return Response(verification_page(result), status=200 if result["status"] != "unknown" else 404,
                        mimetype="text/html")

    # --- student --------------------------------------------------------------------------

    @route("POST", "/v1/registrations", roles=(STUDENT,))
    def register(self, request, identity):
        body = json_body(request)
        if identity.name and "name" not in body:
            body["name"] = identity.name
        if identity.email and "email" not in body:
            body["email"] = identity.email
        return 201, self.registration.register(actor(identity), body)

    @route("GET", "/v1/me", roles=(STUDENT,))
    def me(self, request, identity):
        return 200, self.registration.find_student(identity.issuer, identity.subject)

    @route("GET", "/v1/programmes", roles=ANY_ROLE)
    def programmes(self, request, identity):
        return 200, self.registration.list_programmes()

    @route("GET", "/v1/activity-types", roles=ANY_ROLE)
    def activity_types(self, request, identity):
        return 200, self.activities.list_activity_types()

    @route("POST", "/v1/me/activities", roles=(STUDENT,))
    def log_activity(self, request, identity):
        body = json_body(request)
        return 201, self.activities.log_activity(self._student(identity), body)

    @route("GET", "/v1/me/activities", roles=(STUDENT,))
    def my_activities(self, request, identity):
        return 200, self.activities.list_activities(self._student(identity))

    @route("GET", "/v1/me/activities/<string:activity_id>", roles=(STUDENT,))
    def my_activity(self, request, identity, activity_id):
        return 200, self.activities.get_activity(self._student(identity), activity_id)

    @route("PUT", "/v1/me/activities/<string:activity_id>", roles=(STUDENT,))
    def resubmit_activity(self, request, identity, activity_id):
        body = json_body(request)
        return 200, self.activities.resubmit(self._student(identity), activity_id, body)

    @route("DELETE", "/v1/me/activities/<string:activity_id>", roles=(STUDENT,))
    def withdraw_activity(self, request, identity, activity_id):
        return 200, self.activities.withdraw(self._student(identity), activity_id)

    @route("POST", "/v1/me/activities/<string:activity_id>/sessions", roles=(STUDENT,))
    def add_session(self, request, identity, activity_id):
        body = json_body(request)
        return 201, self.activities.add_session(self._student(identity), activity_id, body)

    @route("GET", "/v1/me/progress", roles=(STUDENT,))
    def progress(self, request, identity):
        return 200, self.approvals.progress(self._student(identity))

    @route("POST", "/v1/me/report", roles=(STUDENT,))
    def submit_report(self, request, identity):
        limit = self.settings.max_upload_bytes
        if (request.content_length or 0) > limit:
            raise PayloadTooLarge(f"the report may be at most {limit} bytes")
        if request.mimetype == "application/pdf":
            content = request.get_data(cache=False)
            filename = request.args.get("filename", "final-report.pdf")
        elif request.mimetype == "multipart/form-data":
            upload = request.files.get("file")
            if upload is None:
                raise BadRequest("send the report in a form field named 'file'")
            content, filename = upload.read(limit + 1), upload.filename or "final-report.pdf"
        else:
            raise UnsupportedMediaType("send the report as application/pdf or multipart/form-data")
        if len(content) > limit:
            raise PayloadTooLarge(f"the report may be at most {limit} bytes")
        student = self._student(identity)
        return 201, self.ceremony.submit_report(student, {
            "filename": filename[:200], "content_b64": base64.b64encode(content).decode()})

    @route("GET", "/v1/ceremonies", roles=ANY_ROLE)
    def ceremonies(self, request, identity):
        return 200, self.ceremony.list_ceremonies()

    @route("POST", "/v1/ceremonies/<string:ceremony_id>/bookings", roles=(STUDENT,))
    def book(self, request, identity, ceremony_id):
        return 201, self.ceremony.book(self._student(identity), ceremony_id)

    @route("GET", "/v1/me/certificate", roles=(STUDENT,))
    def my_certificate(self, request, identity):
        return 200, self.certificates.get_certificate(self._student(identity))

    @route("GET", "/v1/me/certificate.pdf", roles=(STUDENT,))
    def my_certificate_pdf(self, request, identity):
        document = self.certificates.download(self._student(identity))
        return Response(base64.b64decode(document["content_b64"]), mimetype="application/pdf",
                        headers={"Content-Disposition":
                                 f'attachment; filename="{document["filename"]}"'})

    # --- coordinator ----------------------------------------------------------------------

    @route("GET", "/v1/coordinator/inbox", roles=(COORDINATOR, ADMIN))
    def inbox(self, request, identity):
        return 200, self.approvals.inbox(self._staff(identity))

    @route("POST", "/v1/activities/<string:activity_id>/decision", roles=(COORDINATOR, ADMIN))
    def decide_activity(self, request, identity, activity_id):
        body = json_body(request)
        return 200, self.approvals.decide_activity(self._staff(identity), activity_id, body)

    @route("POST", "/v1/students/<string:student_id>/report/decision", roles=(COORDINATOR, ADMIN))
    def decide_report(self, request, identity, student_id):
        body = json_body(request)
        return 200, self.approvals.decide_report(self._staff(identity), student_id, body)

    @route("POST", "/v1/ceremonies", roles=(COORDINATOR, ADMIN))
    def schedule_ceremony(self, request, identity):
        body = json_body(request)
        return 201, self.ceremony.schedule(self._staff(identity), body)

    @route("POST", "/v1/ceremonies/<string:ceremony_id>/presentations", roles=(COORDINATOR, ADMIN))
    def record_presentation(self, request, identity, ceremony_id):
        body = json_body(request)
        return 201, self.ceremony.record_presentation(self._staff(identity), ceremony_id, body)

    # --- registrar and admin --------------------------------------------------------------

    @route("GET", "/v1/students/<string:student_id>/diploma-supplement", roles=(REGISTRAR, ADMIN))
    def diploma_supplement(self, request, identity, student_id):
        return 200, self.certificates.diploma_supplement(self._staff(identity), student_id)

    @route("POST", "/v1/certificates/<string:code>/revocation", roles=(ADMIN,))
    def revoke(self, request, identity, code):
        body = json_body(request)
        return 200, self.certificates.revoke(self._staff(identity), code, body)

    @route("PUT", "/v1/coordinators/<string:subject>", roles=(ADMIN,))
    def put_coordinator(self, request, identity, subject):
        body = json_body(request)
        return 200, self.approvals.put_coordinator(self._staff(identity), subject, body)


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
