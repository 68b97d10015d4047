"""announce the directory

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 03:45:00

Every coordinator already in the directory (the demo seed of 0001, and whatever an admin entered
before coordinator.updated.v1 existed) is announced once through the outbox, so that
notifications' copy of the directory starts complete. The relay publishes the rows when approvals
starts; `cim migrate` has declared the consumers' queues by then. Data only, no schema change.
"""
import json
import uuid
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

from shared.events import COORDINATOR_UPDATED, exchange_name, make_event


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

coordinators = sa.table(
    'coordinators', sa.column('subject'), sa.column('name'), sa.column('email'),
    sa.column('programmes', sa.JSON), sa.column('on_leave', sa.Boolean), sa.column('leave_from', sa.Date),
    sa.column('leave_to', sa.Date), sa.column('substitute'),
)
outbox = sa.table(
    'outbox', sa.column('event_id'), sa.column('event_type'), sa.column('exchange'), sa.column('payload'),
    sa.column('correlation_id'), sa.column('created_at', sa.DateTime(timezone=True)), sa.column('attempts'),
)


def upgrade():
    now = datetime.now(timezone.utc)
    correlation_id = f"migration-0004-{uuid.uuid4()}"
    for row in op.get_bind().execute(sa.select(coordinators).order_by(coordinators.c.subject)).mappings():
        data = {
            'subject': row['subject'], 'name': row['name'], 'email': row['email'],
            'programmes': sorted(row['programmes']), 'on_leave': bool(row['on_leave']),
            'leave_from': row['leave_from'], 'leave_to': row['leave_to'], 'substitute': row['substitute'],
            'updated_at': now,
        }
        envelope = make_event(COORDINATOR_UPDATED, data, producer='approvals', correlation_id=correlation_id)
        op.execute(outbox.insert().values(
            event_id=envelope['event_id'], event_type=COORDINATOR_UPDATED, exchange=exchange_name('approvals'),
            payload=json.dumps(envelope), correlation_id=correlation_id, created_at=now, attempts=0,
        ))


def downgrade():
    # what left cannot be called back; what has not left yet is dropped
    op.execute(outbox.delete().where(
        outbox.c.event_type == COORDINATOR_UPDATED, sa.column('published_at').is_(None),
        outbox.c.correlation_id.like('migration-0004-%'),
    ))
