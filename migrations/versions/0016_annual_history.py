"""annual account history: the year's frozen small-count decision and the supplier
register's year-end figures (issue 13 §3, §2)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 06:20:00.000000
"""

from alembic import op
import sqlalchemy as sa

import portal.db


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('annual_suppressions',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('hidden', sa.Text(), nullable=False),
    sa.Column('decided_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_annual_suppressions'))
    )
    op.create_table('supplier_year_ends',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('taken_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('figures', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_supplier_year_ends'))
    )


def downgrade() -> None:
    op.drop_table('supplier_year_ends')
    op.drop_table('annual_suppressions')
