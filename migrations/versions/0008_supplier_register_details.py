"""supplier register details: product groups, contacts, certifications, indexes

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 14:10:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('supplier_product_groups',
    sa.Column('supplier_id', sa.String(length=32), nullable=False),
    sa.Column('group_code', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['supplier_id'], ['suppliers.id'], name=op.f('fk_supplier_product_groups_supplier_id_suppliers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('supplier_id', 'group_code', name=op.f('pk_supplier_product_groups'))
    )
    op.create_index(op.f('ix_supplier_product_groups_group_code'), 'supplier_product_groups', ['group_code'], unique=False)
    op.create_table('supplier_contacts',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('supplier_id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=200), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['supplier_id'], ['suppliers.id'], name=op.f('fk_supplier_contacts_supplier_id_suppliers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supplier_contacts'))
    )
    op.create_index(op.f('ix_supplier_contacts_supplier_id'), 'supplier_contacts', ['supplier_id'], unique=False)
    op.create_table('supplier_certifications',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('supplier_id', sa.String(length=32), nullable=False),
    sa.Column('scheme', sa.String(length=20), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['supplier_id'], ['suppliers.id'], name=op.f('fk_supplier_certifications_supplier_id_suppliers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supplier_certifications'))
    )
    op.create_index(op.f('ix_supplier_certifications_expires_on'), 'supplier_certifications', ['expires_on'], unique=False)
    op.create_index(op.f('ix_supplier_certifications_supplier_id'), 'supplier_certifications', ['supplier_id'], unique=False)
    # The dashboard and the list filters group and filter on these (one indexed query each).
    op.create_index(op.f('ix_suppliers_country'), 'suppliers', ['country'], unique=False)
    op.create_index(op.f('ix_suppliers_tier'), 'suppliers', ['tier'], unique=False)
    op.create_index(op.f('ix_suppliers_spend_band'), 'suppliers', ['spend_band'], unique=False)
    op.create_index(op.f('ix_suppliers_large_by_hand'), 'suppliers', ['large_by_hand'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_suppliers_large_by_hand'), table_name='suppliers')
    op.drop_index(op.f('ix_suppliers_spend_band'), table_name='suppliers')
    op.drop_index(op.f('ix_suppliers_tier'), table_name='suppliers')
    op.drop_index(op.f('ix_suppliers_country'), table_name='suppliers')
    op.drop_index(op.f('ix_supplier_certifications_supplier_id'), table_name='supplier_certifications')
    op.drop_index(op.f('ix_supplier_certifications_expires_on'), table_name='supplier_certifications')
    op.drop_table('supplier_certifications')
    op.drop_index(op.f('ix_supplier_contacts_supplier_id'), table_name='supplier_contacts')
    op.drop_table('supplier_contacts')
    op.drop_index(op.f('ix_supplier_product_groups_group_code'), table_name='supplier_product_groups')
    op.drop_table('supplier_product_groups')
