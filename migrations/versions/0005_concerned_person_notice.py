"""the person concerned: the Art. 14 notice task (issue 11 §4)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 14:00:00.000000
"""

from alembic import op
import sqlalchemy as sa
import portal.db


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('concerned_person_notices',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=True),
    sa.Column('reason', sa.String(length=30), nullable=True),
    sa.Column('informed_on', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('review_on', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sealed_note', sa.LargeBinary(), nullable=True),
    sa.Column('note_key_generation', sa.Integer(), nullable=True),
    sa.Column('reminded_due', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('recorded_by', sa.String(length=32), nullable=True),
    sa.Column('recorded_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_concerned_person_notices_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_concerned_person_notices')),
    sa.UniqueConstraint('case_id', name=op.f('uq_concerned_person_notices_case_id'))
    )
    with op.batch_alter_table('concerned_person_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_concerned_person_notices_review_on'), ['review_on'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('concerned_person_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_concerned_person_notices_review_on'))

    op.drop_table('concerned_person_notices')
