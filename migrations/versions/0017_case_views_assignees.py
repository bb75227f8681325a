"""case views and assignees; audit filters (issue 14 §8, §11)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 06:15:00.000000
"""

from alembic import op
import sqlalchemy as sa
import portal.db


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_views',
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('seen_seq', sa.Integer(), nullable=False),
    sa.Column('seen_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('audited_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_views_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_case_views_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', 'user_id', name=op.f('pk_case_views'))
    )
    with op.batch_alter_table('case_views', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_views_user_id'), ['user_id'], unique=False)

    op.create_table('case_assignments',
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('assigned_by', sa.String(length=32), nullable=True),
    sa.Column('assigned_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_assignments_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_case_assignments_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_case_assignments'))
    )
    with op.batch_alter_table('case_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_assignments_user_id'), ['user_id'], unique=False)

    # Plain indexes: no table rebuild, the audit chain's rows are untouched.
    op.create_index(op.f('ix_audit_events_actor_id'), 'audit_events', ['actor_id'], unique=False)
    op.create_index(op.f('ix_audit_events_at'), 'audit_events', ['at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_audit_events_at'), table_name='audit_events')
    op.drop_index(op.f('ix_audit_events_actor_id'), table_name='audit_events')
    with op.batch_alter_table('case_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_assignments_user_id'))

    op.drop_table('case_assignments')
    with op.batch_alter_table('case_views', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_views_user_id'))

    op.drop_table('case_views')
