"""Approvals' RPC payloads."""
from marshmallow import fields, validate

from shared.rpc import Payload

ACTIVITY_DECISIONS = ("approved", "rejected", "changes_requested")
REPORT_DECISIONS = ("accepted", "returned")


class ActivityDecisionRequest(Payload):
    decision = fields.String(required=True, validate=validate.OneOf(ACTIVITY_DECISIONS))
    # Required unless approved; the domain says so, because the rule depends on the decision.
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))
    # Optional: the version the coordinator looked at; an outdated one is a conflict.
    version = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))


class ReportDecisionRequest(Payload):
    decision = fields.String(required=True, validate=validate.OneOf(REPORT_DECISIONS))
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))


class LeaveRequest(Payload):
    leave_from = fields.Date(required=True, data_key="from")
    leave_to = fields.Date(required=True, data_key="to")
    substitute = fields.String(load_default=None, allow_none=True,
                               validate=validate.Length(min=1, max=300))


class CoordinatorRequest(Payload):
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


class InboxItemView(Payload):
    kind = fields.String()  # "activity" | "report"
    id = fields.String()
    student_id = fields.String()
    student_name = fields.String()
    programme = fields.String()
    type = fields.String()
    title = fields.String()
    version = fields.Integer()
    submitted_at = fields.AwareDateTime()
    waiting_seconds = fields.Integer()


class ActivityDecisionView(Payload):
    activity_id = fields.String()
    student_id = fields.String()
    version = fields.Integer()
    decision = fields.String()
    comment = fields.String(allow_none=True)
    decided_by = fields.String()
    decided_at = fields.AwareDateTime()


class ReportDecisionView(Payload):
    student_id = fields.String()
    report_id = fields.String()
    decision = fields.String()
    comment = fields.String(allow_none=True)
    decided_by = fields.String()
    decided_at = fields.AwareDateTime()


class CountedActivityView(Payload):
    activity_id = fields.String()
    title = fields.String()
    type = fields.String()


class MissingView(Payload):
    en = fields.String()
    sv = fields.String()


class ProgressView(Payload):
    eligible = fields.Boolean()
    activity_requirement_met = fields.Boolean()
    report_accepted = fields.Boolean()
    presentation_recorded = fields.Boolean()
    rule_set = fields.String()
    counted = fields.List(fields.Nested(CountedActivityView))
    missing = fields.List(fields.Nested(MissingView))
