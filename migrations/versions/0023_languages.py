"""languages: switches per language and each company's languages (issue 16)

Revision ID: 0023
Revises: 0021
Create Date: 2026-12-03 06:10:00.000000
"""

from alembic import op
import sqlalchemy as sa

import portal.db


revision = '0023'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('language_switches',
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('changed_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_language_switches'))
    )
    with op.batch_alter_table('org_units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('languages', sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('org_units', schema=None) as batch_op:
        batch_op.drop_column('languages')
    op.drop_table('language_switches')
