"""supplier workflow: action plans, contract reviews, supplier meetings (issue 12 §5, §6, §8)

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-02 13:55:48.001216
"""

from alembic import op
import sqlalchemy as sa
import portal.db


revision = '0010'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('supplier_meetings',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('supplier_id', sa.String(length=32), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('participants', sa.Text(), nullable=False),
    sa.Column('sustainability', sa.Text(), nullable=False),
    sa.Column('other_topics', sa.Text(), nullable=False),
    sa.Column('conclusions', sa.Text(), nullable=False),
    sa.Column('next_meeting', sa.Date(), nullable=True),
    sa.Column('created_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=32), nullable=True),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['supplier_id'], ['suppliers.id'], name=op.f('fk_supplier_meetings_supplier_id_suppliers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supplier_meetings'))
    )
    with op.batch_alter_table('supplier_meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supplier_meetings_held_on'), ['held_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_supplier_meetings_supplier_id'), ['supplier_id'], unique=False)

    op.create_table('contract_reviews',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('supplier_id', sa.String(length=32), nullable=False),
    sa.Column('trigger', sa.Enum('breach', 'deficiencies', 'by_hand', name='reviewtrigger', native_enum=False, length=20), nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=True),
    sa.Column('status', sa.Enum('open', 'decided', name='reviewstatus', native_enum=False, length=20), nullable=False),
    sa.Column('manager_id', sa.String(length=32), nullable=True),
    sa.Column('opened_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('opened_by', sa.String(length=32), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('worse_harm', sa.Boolean(), nullable=True),
    sa.Column('harm_assessment', sa.Text(), nullable=True),
    sa.Column('harm_assessed_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision', sa.Enum('continue_with_plan', 'suspend', 'terminate', name='escalationdecision', native_enum=False, length=30), nullable=True),
    sa.Column('rationale', sa.Text(), nullable=True),
    sa.Column('notice_given', sa.Boolean(), nullable=True),
    sa.Column('decision_date', sa.Date(), nullable=True),
    sa.Column('decided_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_contract_reviews_case_id_cases'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['manager_id'], ['users.id'], name=op.f('fk_contract_reviews_manager_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['supplier_id'], ['suppliers.id'], name=op.f('fk_contract_reviews_supplier_id_suppliers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_reviews')),
    sa.UniqueConstraint('supplier_id', 'case_id', name='uq_contract_reviews_supplier_case')
    )
    with op.batch_alter_table('contract_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_reviews_manager_id'), ['manager_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contract_reviews_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_contract_reviews_supplier_id'), ['supplier_id'], unique=False)

    op.create_table('supplier_actions',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('supplier_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.Enum('corrective', 'remediation', 'close_gap', 'meeting_follow_up', name='actionkind', native_enum=False, length=30), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('owner_id', sa.String(length=32), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('open', 'in_progress', 'done', 'cancelled', name='actionstatus', native_enum=False, length=20), nullable=False),
    sa.Column('indicator', sa.Text(), nullable=False),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('gap_area', sa.String(length=60), nullable=True),
    sa.Column('meeting_id', sa.String(length=32), nullable=True),
    sa.Column('review_id', sa.String(length=32), nullable=True),
    sa.Column('created_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=32), nullable=True),
    sa.Column('closed_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['supplier_meetings.id'], name=op.f('fk_supplier_actions_meeting_id_supplier_meetings'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_supplier_actions_owner_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['review_id'], ['contract_reviews.id'], name=op.f('fk_supplier_actions_review_id_contract_reviews'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['supplier_id'], ['suppliers.id'], name=op.f('fk_supplier_actions_supplier_id_suppliers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supplier_actions'))
    )
    with op.batch_alter_table('supplier_actions', schema=None) as batch_op:
        batch_op.create_index('ix_supplier_actions_status_due', ['status', 'due_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_supplier_actions_supplier_id'), ['supplier_id'], unique=False)



    _match_free_references()


# Issue 12 §7: the case page's free supplier reference becomes a link into the register. A
# reference equal to a supplier's id stays as it is; one equal to a supplier's organisation
# number (ignoring case) becomes that supplier's id; any other is kept and shown to the
# handler as an unmatched reference until relinked. The statistics rows that survive the
# purge carry the same link (the risk model's history) and are matched alike.
_MATCH = """
UPDATE {table} SET supplier_id = (
    SELECT s.id FROM suppliers s WHERE upper(s.org_number) = upper({table}.supplier_id)
    ORDER BY s.id LIMIT 1)
WHERE supplier_id IS NOT NULL
  AND supplier_id NOT IN (SELECT id FROM suppliers)
  AND EXISTS (SELECT 1 FROM suppliers s WHERE upper(s.org_number) = upper({table}.supplier_id))
"""


def _match_free_references() -> None:
    for table in ("cases", "case_stats"):
        op.execute(sa.text(_MATCH.format(table=table)))


def downgrade() -> None:
    with op.batch_alter_table('supplier_actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supplier_actions_supplier_id'))
        batch_op.drop_index('ix_supplier_actions_status_due')

    op.drop_table('supplier_actions')
    with op.batch_alter_table('contract_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_reviews_supplier_id'))
        batch_op.drop_index(batch_op.f('ix_contract_reviews_status'))
        batch_op.drop_index(batch_op.f('ix_contract_reviews_manager_id'))

    op.drop_table('contract_reviews')
    with op.batch_alter_table('supplier_meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supplier_meetings_supplier_id'))
        batch_op.drop_index(batch_op.f('ix_supplier_meetings_held_on'))

    op.drop_table('supplier_meetings')
