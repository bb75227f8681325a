"""job heartbeats for `aktsom doctor` (issue 17 §4)

Revision ID: 0021
Revises: 0019
Create Date: 2026-12-03 06:10:00.000000
"""

from alembic import op
import sqlalchemy as sa

import portal.db


revision = '0021'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('job_heartbeats',
    sa.Column('job', sa.String(length=40), nullable=False),
    sa.Column('last_run_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('job', name=op.f('pk_job_heartbeats'))
    )


def downgrade() -> None:
    op.drop_table('job_heartbeats')
