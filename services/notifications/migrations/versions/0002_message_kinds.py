"""message kinds in notifications' own words

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01

A message's `kind` was the type of the event that caused it; it is now notifications' own
vocabulary (services/notifications/domain/kinds.py). The stored messages are renamed to match;
the data only, no schema change.
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# event type (as kind until 0001) -> message kind
KINDS = {
    "student.registered.v1": "welcome",
    "activity.approved.v1": "activity-approved",
    "activity.rejected.v1": "activity-rejected",
    "activity.changes_requested.v1": "activity-changes-requested",
    "activity.approval_withdrawn.v1": "approval-withdrawn",
    "student.activity_requirement_met.v1": "activity-requirement-met",
    "report.accepted.v1": "report-accepted",
    "report.returned.v1": "report-returned",
    "ceremony.booked.v1": "ceremony-booked",
    "certificate.issued.v1": "certificate-issued",
    "certificate.revoked.v1": "certificate-revoked",
}

_rename = sa.text("UPDATE messages SET kind = :new WHERE kind = :old")


def upgrade():
    for old, new in KINDS.items():
        op.execute(_rename.bindparams(old=old, new=new))


def downgrade():
    for old, new in KINDS.items():
        op.execute(_rename.bindparams(old=new, new=old))
