"""requirement lapses

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03

The activity requirement no longer met after an approval was withdrawn: while a lapse is in
force, new bookings and report submissions are refused.
"""
from alembic import op
import sqlalchemy as sa
import shared.db


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('requirement_lapses',
    sa.Column('student_id', sa.String(length=36), nullable=False),
    sa.Column('activity_id', sa.String(length=36), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('lapsed_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lifted_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('student_id', name=op.f('pk_requirement_lapses'))
    )


def downgrade():
    op.drop_table('requirement_lapses')
