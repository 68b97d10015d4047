"""an approval withdrawn is a status of its own

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

_BEFORE = "status IN ('submitted', 'approved', 'rejected', 'changes_requested', 'withdrawn')"
_AFTER = ("status IN ('submitted', 'approved', 'rejected', 'changes_requested', 'withdrawn', "
          "'approval_withdrawn')")


def upgrade():
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_activities_status_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_activities_status_known'), _AFTER)


def downgrade():
    # An activity whose approval was withdrawn reads as rejected under the old statuses.
    op.execute("UPDATE activities SET status = 'rejected' WHERE status = 'approval_withdrawn'")
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_activities_status_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_activities_status_known'), _BEFORE)
