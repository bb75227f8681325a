"""case list: the urgency index in its declared order again, and one per filter (issue 15 §5)

The case list reads cases in the order (next deadline, newest first, id), and keyset pages
seek into the index `ix_cases_urgency` built for exactly that order. On SQLite the batch
rebuilds of `cases` (0015) recreated it from reflection, which drops the DESC of
`created_at`: SQLite then sorted every block of equal deadlines in a temporary B-tree (85 %
of the cases, all closed ones, share "no deadline"), so deep and last pages read the whole
block. Created here with plain SQL, outside a batch, on both databases.

The list's filters (company, status, category, channel) get the same order after the
filtered column: a filtered page seeks into one range in urgency order and its count reads
that range of the index only. Before, the count joined the user's wraps to the wide case rows
(1.1-3.5 s at 100 000 cases on SQLite for one filter).

tests/foundation/test_migrations.py checks the direction on the migrated database, so a
later batch rebuild of `cases` that loses it again fails a test.

Revision ID: 0019
Revises: 0017
Create Date: 2026-12-03 06:10:00.000000
"""

from alembic import op


revision = '0019'
down_revision = '0017'
branch_labels = None
depends_on = None

_CREATE = "CREATE INDEX ix_cases_urgency ON cases (next_due_at, created_at DESC, id)"
_FILTERS = ("unit_id", "status", "category", "channel")


def upgrade() -> None:
    op.drop_index('ix_cases_urgency', table_name='cases')
    op.execute(_CREATE)
    for column in _FILTERS:
        op.execute(f"CREATE INDEX ix_cases_{column}_urgency ON cases "
                   f"({column}, next_due_at, created_at DESC, id)")


def downgrade() -> None:
    for column in _FILTERS:
        op.drop_index(f'ix_cases_{column}_urgency', table_name='cases')
    # 0001 declared the same order; only SQLite's rebuilds had lost it.
    op.drop_index('ix_cases_urgency', table_name='cases')
    op.execute(_CREATE)
