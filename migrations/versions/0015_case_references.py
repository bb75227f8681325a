"""case references (issue 14 §7)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 15:40:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_reference_counters',
    sa.Column('unit_key', sa.String(length=32), nullable=False),
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('unit_key', 'year', name=op.f('pk_case_reference_counters'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reference', sa.String(length=60), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_cases_reference'), ['reference'])

    # Existing cases are numbered per unit and year in the order they were received (the
    # day of receipt; cases of one day by id, as their exact time is sealed).
    bind = op.get_bind()
    # A report with no unit is the group's, counted and named as the group's
    # (portal.cases.references).
    group = bind.execute(sa.text(
        "SELECT id, code FROM org_units WHERE is_group ORDER BY code LIMIT 1")).first()
    rows = bind.execute(sa.text(
        "SELECT cases.id, cases.unit_id, cases.created_at, org_units.code FROM cases "
        "LEFT OUTER JOIN org_units ON org_units.id = cases.unit_id "
        "ORDER BY cases.created_at, cases.id")).all()
    counters: dict[tuple[str, int], int] = {}
    for case_id, unit_id, created_at, code in rows:
        year = created_at.year if hasattr(created_at, "year") else int(str(created_at)[:4])
        if unit_id is None and group is not None:
            unit_id, code = group
        if not (unit_id and code):
            unit_id, code = "", "GROUP"
        key = (unit_id, year)
        counters[key] = counters.get(key, 0) + 1
        reference = f"{code.upper()}-{year}-{counters[key]:04d}"
        bind.execute(sa.text("UPDATE cases SET reference = :reference WHERE id = :id"),
                     {"reference": reference, "id": case_id})
    for (unit_key, year), number in counters.items():
        bind.execute(sa.text("INSERT INTO case_reference_counters (unit_key, year, last_number) "
                             "VALUES (:unit_key, :year, :number)"),
                     {"unit_key": unit_key, "year": year, "number": number})


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_cases_reference'), type_='unique')
        batch_op.drop_column('reference')

    op.drop_table('case_reference_counters')
