"""supplier conduct and risk

Revision ID: 0009
Revises: 0010
Create Date: 2026-12-02 13:59:28.264760
"""

from alembic import op
import sqlalchemy as sa
import portal.db


revision = '0009'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('country_ratings',
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('index_kind', sa.Enum('default', 'wgi', 'ituc', 'simple', name='countryindex', native_enum=False, length=10), nullable=False),
    sa.Column('raw_value', sa.String(length=20), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('licence', sa.String(length=200), nullable=False),
    sa.Column('imported_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('country', name=op.f('pk_country_ratings'))
    )
    op.create_table('conduct_area_marks',
    sa.Column('supplier_id', sa.String(length=32), nullable=False),
    sa.Column('area', sa.String(length=40), nullable=False),
    sa.Column('mark', sa.Enum('covered', 'partly', 'missing', 'stricter', name='areamark', native_enum=False, length=20), nullable=False),
    sa.Column('reference', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['supplier_id'], ['suppliers.id'], name=op.f('fk_conduct_area_marks_supplier_id_suppliers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('supplier_id', 'area', name=op.f('pk_conduct_area_marks'))
    )
    op.create_table('conduct_gaps',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('supplier_id', sa.String(length=32), nullable=False),
    sa.Column('area', sa.String(length=40), nullable=False),
    sa.Column('opened_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.Enum('action', 'signed_ours', 'code_revised', name='gapclosure', native_enum=False, length=20), nullable=True),
    sa.Column('action_id', sa.String(length=32), nullable=True),
    sa.Column('closed_by_user', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['action_id'], ['supplier_actions.id'], name=op.f('fk_conduct_gaps_action_id_supplier_actions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['closed_by_user'], ['users.id'], name=op.f('fk_conduct_gaps_closed_by_user_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['supplier_id'], ['suppliers.id'], name=op.f('fk_conduct_gaps_supplier_id_suppliers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conduct_gaps'))
    )
    with op.batch_alter_table('conduct_gaps', schema=None) as batch_op:
        batch_op.create_index('ix_conduct_gaps_open', ['supplier_id', 'closed_at'], unique=False)

    op.create_table('conduct_reviews',
    sa.Column('supplier_id', sa.String(length=32), nullable=False),
    sa.Column('status', sa.Enum('signed_ours', 'own_compared', 'none', name='conductstatus', native_enum=False, length=20), nullable=False),
    sa.Column('our_version', sa.String(length=40), nullable=True),
    sa.Column('signed_on', sa.Date(), nullable=True),
    sa.Column('own_code_title', sa.String(length=200), nullable=True),
    sa.Column('compared_on', sa.Date(), nullable=True),
    sa.Column('updated_by', sa.String(length=32), nullable=True),
    sa.Column('updated_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['supplier_id'], ['suppliers.id'], name=op.f('fk_conduct_reviews_supplier_id_suppliers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_conduct_reviews_updated_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('supplier_id', name=op.f('pk_conduct_reviews'))
    )
    op.create_table('country_overrides',
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('set_by', sa.String(length=32), nullable=True),
    sa.Column('set_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['set_by'], ['users.id'], name=op.f('fk_country_overrides_set_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('country', name=op.f('pk_country_overrides'))
    )
    op.create_table('risk_assessments',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('supplier_id', sa.String(length=32), nullable=False),
    sa.Column('assessed_by', sa.String(length=32), nullable=True),
    sa.Column('assessed_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('total', sa.Float(), nullable=False),
    sa.Column('level', sa.Enum('low', 'medium', 'high', name='risklevel', native_enum=False, length=10), nullable=False),
    sa.Column('status', sa.Enum('awaiting_analysis', 'closed', name='assessmentstatus', native_enum=False, length=20), nullable=False),
    sa.Column('closed_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('next_due_on', sa.Date(), nullable=True),
    sa.Column('inputs', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['assessed_by'], ['users.id'], name=op.f('fk_risk_assessments_assessed_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['supplier_id'], ['suppliers.id'], name=op.f('fk_risk_assessments_supplier_id_suppliers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_assessments'))
    )
    with op.batch_alter_table('risk_assessments', schema=None) as batch_op:
        batch_op.create_index('ix_risk_assessments_supplier', ['supplier_id', 'assessed_at'], unique=False)

    op.create_table('risk_analyses',
    sa.Column('assessment_id', sa.String(length=32), nullable=False),
    sa.Column('questions', sa.Text(), nullable=False),
    sa.Column('findings', sa.Text(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('conclusion', sa.Text(), nullable=False),
    sa.Column('dialogue_on', sa.Date(), nullable=True),
    sa.Column('dialogue_with', sa.Enum('workers', 'worker_representatives', 'trade_union', 'local_organisation', name='dialoguecounterpart', native_enum=False, length=30), nullable=True),
    sa.Column('dialogue_how', sa.Enum('on_site_interviews', 'remote_interviews', 'anonymous_survey', 'through_third_party', name='dialoguemethod', native_enum=False, length=30), nullable=True),
    sa.Column('updated_by', sa.String(length=32), nullable=True),
    sa.Column('updated_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['risk_assessments.id'], name=op.f('fk_risk_analyses_assessment_id_risk_assessments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_risk_analyses_updated_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('assessment_id', name=op.f('pk_risk_analyses'))
    )
    op.create_table('risk_factor_scores',
    sa.Column('assessment_id', sa.String(length=32), nullable=False),
    sa.Column('factor', sa.Enum('geography', 'industry', 'history', 'certifications', 'transparency', name='riskfactor', native_enum=False, length=20), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['risk_assessments.id'], name=op.f('fk_risk_factor_scores_assessment_id_risk_assessments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('assessment_id', 'factor', name=op.f('pk_risk_factor_scores'))
    )


def downgrade() -> None:
    op.drop_table('risk_factor_scores')
    op.drop_table('risk_analyses')
    with op.batch_alter_table('risk_assessments', schema=None) as batch_op:
        batch_op.drop_index('ix_risk_assessments_supplier')

    op.drop_table('risk_assessments')
    op.drop_table('country_overrides')
    op.drop_table('conduct_reviews')
    with op.batch_alter_table('conduct_gaps', schema=None) as batch_op:
        batch_op.drop_index('ix_conduct_gaps_open')

    op.drop_table('conduct_gaps')
    op.drop_table('conduct_area_marks')
    op.drop_table('country_ratings')
