"""Keyset indexes of the read paths: the inbox's pending items oldest first, a student's audit
trail in order, a student's report decisions (the funnel).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 23:47:07.346528
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.create_index('ix_activities_pending_inbox', ['submitted_at', 'activity_id'], unique=False, postgresql_where=sa.text("status = 'pending'"), sqlite_where=sa.text("status = 'pending'"))

    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entries_student_seq', ['student_id', 'seq'], unique=False)

    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.create_index('ix_decisions_student_kind', ['student_id', 'kind', 'decision'], unique=False)

    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.create_index('ix_reports_pending_inbox', ['submitted_at', 'report_id'], unique=False, postgresql_where=sa.text("status = 'pending'"), sqlite_where=sa.text("status = 'pending'"))



def downgrade():
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_index('ix_reports_pending_inbox', postgresql_where=sa.text("status = 'pending'"), sqlite_where=sa.text("status = 'pending'"))

    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_index('ix_decisions_student_kind')

    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entries_student_seq')

    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_index('ix_activities_pending_inbox', postgresql_where=sa.text("status = 'pending'"), sqlite_where=sa.text("status = 'pending'"))

