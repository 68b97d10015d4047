"""Approvals' RPC payloads: the typed requests and the schemas that check and dump them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from marshmallow import fields, validate

from shared.rpc import CURSOR_DESCRIPTION, Payload

ACTIVITY_DECISIONS = ("approved", "rejected", "changes_requested")
REPORT_DECISIONS = ("accepted", "returned")


@dataclass(frozen=True)
class ActivityDecision:
    """A coordinator decides on the activity's latest version (or the `version` they looked at)."""

    decision: str
    comment: str | None = None
    version: int | None = None


@dataclass(frozen=True)
class ReportDecision:
    decision: str
    comment: str | None = None


@dataclass(frozen=True)
class Leave:
    """A coordinator's leave, both days included; the substitute covers their programmes meanwhile."""

    leave_from: date
    leave_to: date
    substitute: str | None = None


@dataclass(frozen=True)
class CoordinatorChange:
    """An admin enters or changes a coordinator; name and email stay as they were when absent."""

    programmes: list
    name: str | None = None
    email: str | None = None
    leave: Leave | None = None


@dataclass(frozen=True)
class InboxFilter:
    programme: str | None = None
    type: str | None = None
    kind: str | None = None
    status: str | None = None
    student: str | None = None
    q: str | None = None
    cursor: str | None = None
    limit: int = 100


@dataclass(frozen=True)
class BulkItem:
    activity_id: str
    version: int | None = None


@dataclass(frozen=True)
class BulkDecision:
    """One decision (approval) for many activities, each decided on its own."""

    decision: str
    items: list
    comment: str | None = None

    def for_item(self, item: BulkItem) -> ActivityDecision:
        return ActivityDecision(decision=self.decision, comment=self.comment, version=item.version)


@dataclass(frozen=True)
class ApprovalWithdrawal:
    reason: str


class ActivityDecisionRequest(Payload):
    command = ActivityDecision
    decision = fields.String(required=True, validate=validate.OneOf(ACTIVITY_DECISIONS))
    # Required unless approved; the domain says so, because the rule depends on the decision.
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))
    # Optional: the version the coordinator looked at; an outdated one is a conflict.
    version = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))


class ReportDecisionRequest(Payload):
    command = ReportDecision
    decision = fields.String(required=True, validate=validate.OneOf(REPORT_DECISIONS))
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))


class LeaveRequest(Payload):
    command = Leave
    leave_from = fields.Date(required=True, data_key="from")
    leave_to = fields.Date(required=True, data_key="to")
    substitute = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=300))


class CoordinatorRequest(Payload):
    command = CoordinatorChange
    programmes = fields.List(fields.String(validate=validate.Length(min=1, max=50)), required=True)
    name = fields.String(validate=validate.Length(min=1, max=200))
    email = fields.Email(validate=validate.Length(max=254))
    leave = fields.Nested(LeaveRequest, load_default=None, allow_none=True)


class LeaveView(Payload):
    from_ = fields.Date(data_key="from", attribute="from", allow_none=True)
    to = fields.Date(allow_none=True)
    substitute = fields.String(allow_none=True)


class CoordinatorView(Payload):
    subject = fields.String()
    name = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    programmes = fields.List(fields.String())
    on_leave = fields.Boolean()
    leave = fields.Nested(LeaveView, allow_none=True)


class InboxQuery(Payload):
    """The inbox's filters and paging (query parameters of GET /v1/coordinator/inbox)."""

    command = InboxFilter
    programme = fields.String(load_default=None, validate=validate.Length(min=1, max=50))
    type = fields.String(load_default=None, validate=validate.Length(min=1, max=50))
    kind = fields.String(load_default=None, validate=validate.OneOf(("activity", "report")))
    # "new": a first version; "resubmitted": a later one (changes made, sessions added)
    status = fields.String(load_default=None, validate=validate.OneOf(("new", "resubmitted")))
    student = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=36),
        metadata={"description": "one student's items (their student_id)"},
    )
    q = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "part of the student's name, any case"},
    )
    cursor = fields.String(
        load_default=None, validate=validate.Length(min=1, max=300), metadata={"description": CURSOR_DESCRIPTION}
    )
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class InboxItemView(Payload):
    kind = fields.String()  # "activity" | "report"
    id = fields.String()
    student_id = fields.String()
    student_name = fields.String()
    programme = fields.String()
    type = fields.String()
    title = fields.String()
    version = fields.Integer()
    sessions = fields.Integer()
    status = fields.String()
    submitted_at = fields.AwareDateTime()
    waiting_seconds = fields.Integer()


class DecisionFields(Payload):
    """What every decision says: the decision, why, who, when."""

    decision = fields.String()
    comment = fields.String(allow_none=True)
    decided_by = fields.String()
    decided_at = fields.AwareDateTime()


class ActivityDecisionEntryView(DecisionFields):
    """One decision in an activity's history, on the version it concerned."""

    version = fields.Integer()


class ActivityDecisionView(ActivityDecisionEntryView):
    activity_id = fields.String(attribute="item_id")
    student_id = fields.String()


class ReportDecisionView(DecisionFields):
    student_id = fields.String()
    report_id = fields.String(attribute="item_id")


class ActivityDetailView(Payload):
    """An activity as its coordinator decides on it: the latest version and every decision."""

    activity_id = fields.String()
    student_id = fields.String()
    student_name = fields.String()
    programme = fields.String()
    version = fields.Integer()
    type = fields.String()
    type_name_en = fields.String()
    type_name_sv = fields.String()
    sessions_required = fields.Integer()
    title = fields.String()
    description = fields.String()
    location = fields.Dict()
    start_date = fields.Date()
    end_date = fields.Date()
    sessions = fields.List(fields.Dict())
    status = fields.String()
    submitted_at = fields.AwareDateTime()
    decisions = fields.List(fields.Nested(ActivityDecisionEntryView))


class InboxPageView(Payload):
    items = fields.List(fields.Nested(InboxItemView))
    next_cursor = fields.String(allow_none=True)


class BulkItemRequest(Payload):
    command = BulkItem
    activity_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    version = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))


class BulkDecisionRequest(Payload):
    """Approve many activities at once; only approval needs no reason, so only it is offered."""

    command = BulkDecision
    decision = fields.String(required=True, validate=validate.OneOf(("approved",)))
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))
    items = fields.List(fields.Nested(BulkItemRequest), required=True, validate=validate.Length(min=1, max=200))


class BulkItemResultView(Payload):
    activity_id = fields.String()
    ok = fields.Boolean()
    status = fields.Integer()  # the HTTP status this item alone would have had
    decision = fields.String(allow_none=True)
    version = fields.Integer(allow_none=True)
    error = fields.String(allow_none=True)  # the problem code: forbidden, not-found, conflict...
    detail = fields.String(allow_none=True)


class BulkDecisionView(Payload):
    results = fields.List(fields.Nested(BulkItemResultView))


class ApprovalWithdrawalRequest(Payload):
    command = ApprovalWithdrawal
    reason = fields.String(required=True, validate=validate.Length(max=4000))


class ApprovalWithdrawalView(ActivityDecisionView):
    activity_requirement_met = fields.Boolean()
    was_eligible = fields.Boolean()


class AuditEntryView(Payload):
    seq = fields.Integer()
    at = fields.AwareDateTime()
    student_id = fields.String()
    actor = fields.String()
    action = fields.String()
    item_kind = fields.String(allow_none=True)
    item_id = fields.String(allow_none=True)
    version = fields.Integer(allow_none=True)
    detail = fields.String(allow_none=True)


class AuditPageQuery(Payload):
    """One page of an audit trail: `limit` entries after the position `cursor` names (all when
    no limit)."""

    cursor = fields.String(
        load_default=None, validate=validate.Length(min=1, max=200), metadata={"description": CURSOR_DESCRIPTION}
    )
    limit = fields.Integer(load_default=None, validate=validate.Range(min=1, max=500))


class AuditPageView(Payload):
    items = fields.List(fields.Nested(AuditEntryView))
    next_cursor = fields.String(allow_none=True)


class FunnelQuery(Payload):
    programme = fields.String(load_default=None, validate=validate.Length(min=1, max=50))


class FunnelRowView(Payload):
    programme = fields.String()
    stage = fields.String()
    count = fields.Integer()
    median_wait_seconds = fields.Integer(allow_none=True)


class AlertView(Payload):
    kind = fields.String()
    programme = fields.String()
    waiting_items = fields.Integer()
    oldest_waiting_since = fields.AwareDateTime(allow_none=True)
    marker = fields.String()


class CountedActivityView(Payload):
    """An activity that counts, where it counts (the location it was approved with)."""

    activity_id = fields.String()
    title = fields.String()
    type = fields.String(attribute="type_code")
    location = fields.String(attribute="counted_location")


class MissingView(Payload):
    en = fields.String()
    sv = fields.String()


class ProgressView(Payload):
    """A student's standing (approvals' eligibility.Standing) as the student reads it."""

    eligible = fields.Boolean()
    activity_requirement_met = fields.Boolean()
    report_accepted = fields.Boolean()
    presentation_recorded = fields.Boolean()
    rule_set = fields.String(attribute="rule_set.name")
    rule_set_version = fields.Integer(attribute="rule_set.version")
    counted = fields.List(fields.Nested(CountedActivityView))
    missing = fields.List(fields.Nested(MissingView))
