"""relevance and identity: the reporter's sealed name, redactions, identity disclosures

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 14:00:00
"""

from alembic import op
import sqlalchemy as sa
import portal.db


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_identities',
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('key_generation', sa.Integer(), nullable=False),
    sa.Column('sealed_name', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_identities_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_case_identities'))
    )
    op.create_table('case_redactions',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('item_kind', sa.String(length=20), nullable=False),
    sa.Column('item_id', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.String(length=30), nullable=False),
    sa.Column('redacted_by', sa.String(length=32), nullable=True),
    sa.Column('redacted_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('key_generation', sa.Integer(), nullable=False),
    sa.Column('sealed_note', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_redactions_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_redactions')),
    sa.UniqueConstraint('item_id', name='uq_case_redactions_item')
    )
    with op.batch_alter_table('case_redactions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_redactions_case_id'), ['case_id'], unique=False)

    op.create_table('identity_disclosures',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('legal_basis', sa.String(length=30), nullable=False),
    sa.Column('disclosed_on', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.String(length=32), nullable=True),
    sa.Column('recorded_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reporter_notified', sa.Boolean(), nullable=False),
    sa.Column('notified_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('withheld_reason', sa.String(length=30), nullable=True),
    sa.Column('key_generation', sa.Integer(), nullable=False),
    sa.Column('sealed_details', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_identity_disclosures_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_disclosures'))
    )
    with op.batch_alter_table('identity_disclosures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identity_disclosures_case_id'), ['case_id'], unique=False)

    with op.batch_alter_table('case_stats', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reporter_named', sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('case_stats', schema=None) as batch_op:
        batch_op.drop_column('reporter_named')

    with op.batch_alter_table('identity_disclosures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_identity_disclosures_case_id'))

    op.drop_table('identity_disclosures')
    with op.batch_alter_table('case_redactions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_redactions_case_id'))

    op.drop_table('case_redactions')
    op.drop_table('case_identities')
