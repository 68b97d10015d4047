"""Routes answered by the approvals service."""

from __future__ import annotations

import csv
import io
import json
from marshmallow import fields, validate
from werkzeug.wrappers import Response

from services.gateway.bodies import json_body
from services.gateway.paging import PageQuery, next_page_headers, page_query
from services.gateway.routes import Routes
from services.gateway.routing import SOURCE, route
from shared.permissions import ADMIN, COORDINATOR, STUDENT
from shared.rpc.approvals import (
    ActivityDecisionRequest,
    ActivityDecisionView,
    ActivityDetailView,
    AlertView,
    ApprovalWithdrawalRequest,
    ApprovalWithdrawalView,
    AuditEntryView,
    BulkDecisionRequest,
    BulkDecisionView,
    CoordinatorRequest,
    CoordinatorView,
    FunnelQuery,
    FunnelRowView,
    InboxItemView,
    InboxQuery,
    ProgressView,
    ReportDecisionRequest,
    ReportDecisionView,
)

_FORMAT = fields.String(
    validate=validate.OneOf(("json", "csv")), metadata={"description": "csv for a spreadsheet (or Accept: text/csv)"}
)


class AuditQuery(PageQuery):
    limit = fields.Integer(
        validate=validate.Range(min=1, max=500),
        metadata={"description": "page size, at most 500; the student's whole trail when absent (one student's)"},
    )
    format = _FORMAT


class FunnelRouteQuery(FunnelQuery):
    format = _FORMAT


AUDIT_COLUMNS = ("seq", "at", "student_id", "actor", "action", "item_kind", "item_id", "version", "detail")
FUNNEL_COLUMNS = ("programme", "stage", "count", "median_wait_seconds")


def _wants_csv(request) -> bool:
    return request.args.get("format") == "csv" or request.accept_mimetypes.best == "text/csv"


def _query(request, *drop: str) -> dict:
    """The query string as a flat dict (the owning service validates it; unknown names are 422)."""
    return {name: value for name, value in request.args.items() if name not in drop}


def _page_response(request, page: dict) -> Response:
    """One page the owning service cut: its items, and the headers that point at the next one."""
    headers = next_page_headers(request, page["next_cursor"]) if page["next_cursor"] else {}
    return Response(json.dumps(page["items"]), status=200, mimetype="application/json", headers=headers)


def csv_response(rows: list[dict], columns: tuple[str, ...], filename: str) -> Response:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        # A cell starting with = + - @ would be a formula in a spreadsheet: quote it as text.
        writer.writerow(
            {
                k: ("'" + v if isinstance(v, str) and v[:1] in ("=", "+", "-", "@") else ("" if v is None else v))
                for k, v in row.items()
            }
        )
    return Response(
        out.getvalue(),
        status=200,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


class ApprovalsRoutes(Routes):
    def _anyone(self, identity) -> dict:
        return self._student(identity) if identity.role == STUDENT else self._in_approvals(identity)

    def _in_approvals(self, identity) -> dict:
        """Staff as approvals takes them: as they are, nothing looked up. Approvals owns the
        coordinator directory and reads a coordinator's programmes from it on every call (it never
        takes the caller's word), so asking it for them first would be a second round trip. (Not
        an override of `_staff`: the other services' routes, mixed into the same class, need the
        programmes.)"""
        return self._person(identity)

    @route("GET", "/v1/me/progress", roles=(STUDENT,), response=ProgressView)
    def progress(self, request, identity):
        return 200, self.approvals.progress(self._student(identity))

    @route(
        "GET",
        "/v1/coordinator/inbox",
        roles=(COORDINATOR, ADMIN),
        query=InboxQuery,
        response=InboxItemView(many=True),
        paged=SOURCE,
    )
    def inbox(self, request, identity):
        """Filters: programme, type, kind (activity|report), status (new|resubmitted), student
        (one student's items), q (part of the student's name); paging: limit and cursor (the
        X-Next-Cursor header of the previous page). Oldest first."""
        page = self.approvals.inbox(self._in_approvals(identity), _query(request))
        return _page_response(request, page)

    @route("GET", "/v1/activities/<item_id:activity_id>", roles=(COORDINATOR, ADMIN), response=ActivityDetailView)
    def activity_to_decide(self, request, identity, activity_id):
        """An activity as its coordinator decides on it: the latest version and every decision."""
        return 200, self.approvals.get_activity(self._in_approvals(identity), activity_id)

    @route(
        "POST",
        "/v1/activities/<string:activity_id>/decision",
        roles=(COORDINATOR, ADMIN),
        body=ActivityDecisionRequest,
        response=ActivityDecisionView,
        status=200,
    )
    def decide_activity(self, request, identity, activity_id):
        body = json_body(request)
        return 200, self.approvals.decide_activity(self._in_approvals(identity), activity_id, body)

    @route(
        "POST",
        "/v1/activities/decisions",
        roles=(COORDINATOR, ADMIN),
        body=BulkDecisionRequest,
        response=BulkDecisionView,
        status=200,
    )
    def bulk_decide(self, request, identity):
        """Bulk approval: {decision: "approved", items: [{activity_id, version?}]}; a result per item."""
        body = json_body(request)
        return 200, self.approvals.bulk_decide(self._in_approvals(identity), body)

    @route(
        "POST",
        "/v1/activities/<string:activity_id>/approval-withdrawal",
        roles=(COORDINATOR, ADMIN),
        body=ApprovalWithdrawalRequest,
        response=ApprovalWithdrawalView,
        status=200,
    )
    def withdraw_approval(self, request, identity, activity_id):
        body = json_body(request)
        return 200, self.approvals.withdraw_approval(self._in_approvals(identity), activity_id, body)

    @route(
        "POST",
        "/v1/students/<string:student_id>/report/decision",
        roles=(COORDINATOR, ADMIN),
        body=ReportDecisionRequest,
        response=ReportDecisionView,
        status=200,
    )
    def decide_report(self, request, identity, student_id):
        body = json_body(request)
        return 200, self.approvals.decide_report(self._in_approvals(identity), student_id, body)

    @route(
        "GET",
        "/v1/students/<string:student_id>/audit",
        roles=(STUDENT, COORDINATOR, ADMIN),
        query=AuditQuery,
        response=AuditEntryView(many=True),
        paged=SOURCE,
        produces=("application/json", "text/csv"),
    )
    def audit_trail(self, request, identity, student_id):
        """The student's audit trail (JSON, or CSV with ?format=csv or Accept: text/csv)."""
        page = self.approvals.audit_trail(self._anyone(identity), student_id, _query(request, "format"))
        if _wants_csv(request):
            return csv_response(page["items"], AUDIT_COLUMNS, f"audit-{student_id}.csv")
        return _page_response(request, page)

    @route(
        "GET",
        "/v1/me/audit",
        roles=(STUDENT,),
        query=AuditQuery,
        response=AuditEntryView(many=True),
        paged=SOURCE,
        produces=("application/json", "text/csv"),
    )
    def my_audit_trail(self, request, identity):
        student = self._student(identity)
        page = self.approvals.audit_trail(student, student["student_id"], _query(request, "format"))
        if _wants_csv(request):
            return csv_response(page["items"], AUDIT_COLUMNS, "audit.csv")
        return _page_response(request, page)

    @route(
        "GET",
        "/v1/coordinator/funnel",
        roles=(COORDINATOR, ADMIN),
        query=FunnelRouteQuery,
        response=FunnelRowView(many=True),
        paged=False,
        produces=("application/json", "text/csv"),
    )
    def funnel(self, request, identity):
        """Per programme: registered -> requirement met -> report accepted -> presented ->
        eligible -> certificate issued (counts, median wait in seconds). ?programme=, ?format=csv."""
        rows = self.approvals.funnel(self._in_approvals(identity), _query(request, "format"))
        if _wants_csv(request):
            return csv_response(rows, FUNNEL_COLUMNS, "funnel.csv")
        return 200, rows

    @route("GET", "/v1/coordinator/alerts", roles=(ADMIN,), response=AlertView(many=True), paged=False)
    def alerts(self, request, identity):
        """Programmes with no available coordinator, and the work waiting for them."""
        return 200, self.approvals.alerts(self._in_approvals(identity))

    @route("GET", "/v1/coordinators", roles=(ADMIN,), response=CoordinatorView(many=True))
    def coordinators(self, request, identity):
        return 200, self.approvals.list_coordinators(self._in_approvals(identity), page_query(request))

    @route(
        "PUT", "/v1/coordinators/<string:subject>", roles=(ADMIN,), body=CoordinatorRequest, response=CoordinatorView
    )
    def put_coordinator(self, request, identity, subject):
        body = json_body(request)
        return 200, self.approvals.put_coordinator(self._in_approvals(identity), subject, body)
