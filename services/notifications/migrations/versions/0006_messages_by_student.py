"""messages by student

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 06:40:00.000000

The delivery log of a student is read one page at a time, oldest first (keyset on
created_at, message_id): an index of the filter and the order. It leads with student_id, so the
single-column index on student_id (erasure, the recipient's key) goes: one index fewer to keep
up on every message written.
"""
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_messages_student_created', 'messages', ['student_id', 'created_at', 'message_id'])
    op.drop_index('ix_messages_student_id', table_name='messages')


def downgrade():
    op.create_index('ix_messages_student_id', 'messages', ['student_id'])
    op.drop_index('ix_messages_student_created', table_name='messages')
