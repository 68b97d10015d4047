"""Every certificate version's bit in the revocation status list (Bitstring Status List).

Certificates stored before get their indexes in the order they were issued; on PostgreSQL the
sequence then continues after them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 02:54:30.966483
"""
from alembic import op
import sqlalchemy as sa
import shared.db


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

SEQUENCE = 'certificate_status_index'


def upgrade():
    postgresql = op.get_bind().dialect.name == 'postgresql'
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status_index', sa.Integer(), nullable=True))
    # the versions already issued, numbered from 0 in the order they were issued
    op.execute(
        "UPDATE certificates SET status_index = (SELECT count(*) FROM certificates AS earlier "
        "WHERE earlier.issued_at < certificates.issued_at OR (earlier.issued_at = certificates.issued_at "
        "AND earlier.certificate_id < certificates.certificate_id))"
    )
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.alter_column('status_index', existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_certificates_status_index'), ['status_index'])
    if postgresql:
        op.execute(sa.schema.CreateSequence(sa.Sequence(SEQUENCE, start=0, minvalue=0)))
        op.execute(f"SELECT setval('{SEQUENCE}', (SELECT count(*) FROM certificates), false)")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(sa.schema.DropSequence(sa.Sequence(SEQUENCE)))
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_certificates_status_index'), type_='unique')
        batch_op.drop_column('status_index')
