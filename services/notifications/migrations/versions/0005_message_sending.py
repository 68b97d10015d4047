"""message sending

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 03:10:00.000000

A message is claimed (`sending`) before it is handed to the mail server (decision 0020).
"""
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_messages_status'), type_='check')
        batch_op.create_check_constraint('status', "status IN ('pending', 'sending', 'sent', 'failed')")


def downgrade():
    op.execute("UPDATE messages SET status = 'pending' WHERE status = 'sending'")
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_messages_status'), type_='check')
        batch_op.create_check_constraint('status', "status IN ('pending', 'sent', 'failed')")
