"""supplier register

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 14:10:00
"""

from alembic import op
import sqlalchemy as sa
import portal.db


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('suppliers',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('org_number', sa.String(length=40), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('sector', sa.String(length=60), nullable=True),
    sa.Column('tier', sa.Integer(), nullable=False),
    sa.Column('is_wholesaler', sa.Boolean(), nullable=False),
    sa.Column('fronts_id', sa.String(length=32), nullable=True),
    sa.Column('spend_band', sa.String(length=20), nullable=True),
    sa.Column('large_by_hand', sa.Boolean(), nullable=False),
    sa.Column('large_reason', sa.Text(), nullable=True),
    sa.Column('contract_start', sa.Date(), nullable=True),
    sa.Column('contract_end', sa.Date(), nullable=True),
    sa.Column('termination_clause', sa.Boolean(), nullable=True),
    sa.Column('created_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['fronts_id'], ['suppliers.id'], name=op.f('fk_suppliers_fronts_id_suppliers'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suppliers')),
    sa.UniqueConstraint('org_number', name=op.f('uq_suppliers_org_number'))
    )
    op.create_table('supplier_buyers',
    sa.Column('supplier_id', sa.String(length=32), nullable=False),
    sa.Column('unit_id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['supplier_id'], ['suppliers.id'], name=op.f('fk_supplier_buyers_supplier_id_suppliers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_supplier_buyers_unit_id_org_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('supplier_id', 'unit_id', name=op.f('pk_supplier_buyers'))
    )


def downgrade() -> None:
    op.drop_table('supplier_buyers')
    op.drop_table('suppliers')
