"""meeting clock: the meeting a reporter asks for (Directive 2019/1937 Art. 9(2), issue 11 §1)

Revision ID: 0003
Revises: 0002
"""

from alembic import op
import sqlalchemy as sa
import portal.db


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('meeting_due_at', portal.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('meeting_held_at', portal.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('meeting_reminded_at', portal.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('meeting_reminded_at')
        batch_op.drop_column('meeting_held_at')
        batch_op.drop_column('meeting_due_at')
