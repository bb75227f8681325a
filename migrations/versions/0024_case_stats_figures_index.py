"""case_stats: one covering index for the annual figures' GROUP BY (issue 15 §5)

The annual figures group the year's statistics rows by company and by every counted column
in one query (`portal.stats.case_counts_by_unit`). With only `ix_case_stats_year` SQLite read
every row of the year from the table and sorted them into groups (3.2 s of CPU for 1 000 000
rows); with this index, in the order of the GROUP BY, it walks the index and groups as it
goes (0.35 s), and PostgreSQL can read the index alone. The index starts with `year`, so it
serves everything `ix_case_stats_year` served, which is dropped.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03 08:10:00.000000
"""

from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

COLUMNS = ['year', 'unit_id', 'category', 'channel', 'human_rights', 'outcome',
           'human_rights_breach', 'acknowledged_on_time', 'feedback_on_time',
           'closed_without_acknowledgement', 'closed_without_feedback', 'reporter_named']


def upgrade() -> None:
    op.create_index('ix_case_stats_figures', 'case_stats', COLUMNS)
    op.drop_index('ix_case_stats_year', table_name='case_stats')


def downgrade() -> None:
    op.create_index('ix_case_stats_year', 'case_stats', ['year'])
    op.drop_index('ix_case_stats_figures', table_name='case_stats')
