"""the rules and the coordinator's day

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01

What a coordinator approved (sessions and location) kept beside the activity, withdrawals that
arrive before their activity, an approval and its withdrawal on the same version, the audit
trail, when a student registered, and issued certificates (for the funnel).
"""
import json

from alembic import op
import sqlalchemy as sa
import shared.db


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approved_version', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('approved_sessions', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('approved_location', sa.String(length=20), nullable=True))
    # Activities approved before this revision: what was approved is what they hold now.
    bind = op.get_bind()
    activities = sa.table('activities', sa.column('activity_id'), sa.column('version'),
                          sa.column('status'), sa.column('sessions', sa.JSON),
                          sa.column('location', sa.JSON), sa.column('approved_version'),
                          sa.column('approved_sessions'), sa.column('approved_location'))
    for row in bind.execute(sa.select(activities.c.activity_id, activities.c.version,
                                      activities.c.sessions, activities.c.location)
                            .where(activities.c.status == 'approved')).all():
        sessions = row.sessions if not isinstance(row.sessions, str) else json.loads(row.sessions)
        location = row.location if not isinstance(row.location, str) else json.loads(row.location)
        bind.execute(activities.update().where(activities.c.activity_id == row.activity_id).values(
            approved_version=row.version, approved_sessions=len(sessions or []),
            approved_location=(location or {}).get('kind')))

    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_constraint('uq_decisions_item_version', type_='unique')
        batch_op.create_unique_constraint('uq_decisions_item_version_decision',
                                          ['kind', 'item_id', 'version', 'decision'])

    with op.batch_alter_table('students', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registered_at', shared.db.UTCDateTime(timezone=True),
                                      nullable=True))

    op.create_table('activity_withdrawals',
    sa.Column('activity_id', sa.String(length=36), nullable=False),
    sa.Column('student_id', sa.String(length=36), nullable=False),
    sa.Column('withdrawn_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('activity_id', name=op.f('pk_activity_withdrawals'))
    )
    op.create_table('audit_entries',
    sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('entry_id', sa.String(length=36), nullable=False),
    sa.Column('student_id', sa.String(length=36), nullable=False),
    sa.Column('at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=300), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('item_kind', sa.String(length=20), nullable=True),
    sa.Column('item_id', sa.String(length=100), nullable=True),
    sa.Column('version', sa.Integer(), nullable=True),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_audit_entries')),
    sa.UniqueConstraint('entry_id', name=op.f('uq_audit_entries_entry_id'))
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entries_student_id'), ['student_id'], unique=False)

    op.create_table('issued_certificates',
    sa.Column('student_id', sa.String(length=36), nullable=False),
    sa.Column('code', sa.String(length=100), nullable=False),
    sa.Column('issued_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('student_id', name=op.f('pk_issued_certificates'))
    )


def downgrade():
    op.drop_table('issued_certificates')
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entries_student_id'))
    op.drop_table('audit_entries')
    op.drop_table('activity_withdrawals')
    with op.batch_alter_table('students', schema=None) as batch_op:
        batch_op.drop_column('registered_at')
    # An approval's withdrawal shares its version with the approval: it cannot survive the old key.
    op.execute("DELETE FROM decisions WHERE decision = 'approval_withdrawn'")
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_constraint('uq_decisions_item_version_decision', type_='unique')
        batch_op.create_unique_constraint('uq_decisions_item_version',
                                          ['kind', 'item_id', 'version'])
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_column('approved_location')
        batch_op.drop_column('approved_sessions')
        batch_op.drop_column('approved_version')
