"""company boundaries and retention (issue 11 §3, §5)

Records of grants beyond a case's company; legal holds with a reason and a review date;
a shorter retention period for unfounded cases per org unit; statistics rows that keep
months, never exact times.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 13:56:24.176670
"""

from datetime import UTC, datetime, timedelta

from alembic import op
import sqlalchemy as sa
import portal.db


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# Holds made before review dates existed get one this far ahead: a handler renews them with a
# reason, or they lapse (no endless hold), never at once on upgrade.
LEGACY_HOLD_REVIEW_DAYS = 90


def _month(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite hands back text to a bare query
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return f"{value.year:04d}-{value.month:02d}"


def upgrade() -> None:
    op.create_table('case_boundary_grants',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('grantee_id', sa.String(length=32), nullable=False),
    sa.Column('granted_by', sa.String(length=32), nullable=True),
    sa.Column('reason', sa.String(length=30), nullable=False),
    sa.Column('note_id', sa.String(length=32), nullable=True),
    sa.Column('reporter_message_id', sa.String(length=32), nullable=True),
    sa.Column('created_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_boundary_grants_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_boundary_grants'))
    )
    with op.batch_alter_table('case_boundary_grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_boundary_grants_case_id'), ['case_id'], unique=False)

    legal_holds = op.create_table('legal_holds',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.String(length=30), nullable=False),
    sa.Column('note_id', sa.String(length=32), nullable=True),
    sa.Column('review_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('set_by', sa.String(length=32), nullable=True),
    sa.Column('set_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reminded_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_legal_holds_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_holds')),
    sa.UniqueConstraint('case_id', name=op.f('uq_legal_holds_case_id'))
    )
    with op.batch_alter_table('legal_holds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_legal_holds_review_at'), ['review_at'], unique=False)

    connection = op.get_bind()
    now = datetime.now(UTC)
    held = connection.execute(sa.text(
        "SELECT id FROM cases WHERE legal_hold = :held"), {"held": True}).scalars().all()
    if held:
        op.bulk_insert(legal_holds, [
            {"case_id": case_id, "reason": "other", "note_id": None,
             "review_at": now + timedelta(days=LEGACY_HOLD_REVIEW_DAYS), "set_by": None,
             "set_at": now, "reminded_at": None} for case_id in held])

    with op.batch_alter_table('case_stats', schema=None) as batch_op:
        batch_op.add_column(sa.Column('received_month', sa.String(length=7), nullable=True))
        batch_op.add_column(sa.Column('closed_month', sa.String(length=7), nullable=True))
        batch_op.add_column(sa.Column('purged_month', sa.String(length=7), nullable=True))
    rows = connection.execute(sa.text(
        "SELECT id, created_at, closed_at, purged_at FROM case_stats")).all()
    for row_id, created_at, closed_at, purged_at in rows:
        connection.execute(sa.text(
            "UPDATE case_stats SET received_month = :received, closed_month = :closed, "
            "purged_month = :purged WHERE id = :id"),
            {"received": _month(created_at), "closed": _month(closed_at),
             "purged": _month(purged_at), "id": row_id})
    with op.batch_alter_table('case_stats', schema=None) as batch_op:
        batch_op.alter_column('received_month', existing_type=sa.String(length=7),
                              nullable=False)
        batch_op.alter_column('purged_month', existing_type=sa.String(length=7),
                              nullable=False)
        batch_op.drop_column('purged_at')
        batch_op.drop_column('closed_at')
        batch_op.drop_column('created_at')

    with op.batch_alter_table('org_units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unfounded_retention_days', sa.Integer(), nullable=True))


def _first_of(month: str | None) -> datetime | None:
    if month is None:
        return None
    year, number = month.split("-")
    return datetime(int(year), int(number), 1, tzinfo=UTC)


def downgrade() -> None:
    with op.batch_alter_table('org_units', schema=None) as batch_op:
        batch_op.drop_column('unfounded_retention_days')

    # The exact times are gone for good: the first day of each month stands in for them.
    with op.batch_alter_table('case_stats', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_at', portal.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('closed_at', portal.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('purged_at', portal.db.UTCDateTime(timezone=True), nullable=True))
    connection = op.get_bind()
    stats = sa.table('case_stats', sa.column('id', sa.Integer()),
                     sa.column('created_at', portal.db.UTCDateTime(timezone=True)),
                     sa.column('closed_at', portal.db.UTCDateTime(timezone=True)),
                     sa.column('purged_at', portal.db.UTCDateTime(timezone=True)))
    rows = connection.execute(sa.text(
        "SELECT id, received_month, closed_month, purged_month FROM case_stats")).all()
    for row_id, received, closed, purged in rows:
        connection.execute(stats.update().where(stats.c.id == row_id).values(
            created_at=_first_of(received), closed_at=_first_of(closed),
            purged_at=_first_of(purged)))
    with op.batch_alter_table('case_stats', schema=None) as batch_op:
        batch_op.alter_column('created_at', existing_type=portal.db.UTCDateTime(timezone=True),
                              nullable=False)
        batch_op.alter_column('purged_at', existing_type=portal.db.UTCDateTime(timezone=True),
                              nullable=False)
        batch_op.drop_column('purged_month')
        batch_op.drop_column('closed_month')
        batch_op.drop_column('received_month')

    with op.batch_alter_table('legal_holds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_legal_holds_review_at'))
    op.drop_table('legal_holds')
    with op.batch_alter_table('case_boundary_grants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_boundary_grants_case_id'))
    op.drop_table('case_boundary_grants')
