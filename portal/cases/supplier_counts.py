"""How many substantiated cases are linked to a supplier: the one narrow read the supplier
module's risk model makes of case data (issue 12 §3, history factor).

Counts only, from clear metadata: live cases with a substantiated (or partly substantiated)
outcome, plus the content-free `CaseStat` rows that stand for purged cases, so a supplier's
history survives the retention purge. Nothing of a case's content, code or reporter is read.
A case and its statistics row never both exist (the purge deletes the case as it writes the
row), so the two counts add up without double counting.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.models import Case, CaseStat
from portal.states import Outcome

# "Partly substantiated" confirms part of what was reported: it counts for the history too.
SUBSTANTIATED = (Outcome.SUBSTANTIATED, Outcome.PARTLY_SUBSTANTIATED)


def substantiated_case_count(db: Session, supplier_id: str, since: date) -> int:
    """Linked cases received on or after `since` whose outcome is (partly) substantiated."""
    start = datetime(since.year, since.month, since.day, tzinfo=UTC)
    live = db.scalar(select(func.count()).select_from(Case).where(
        Case.supplier_id == supplier_id, Case.outcome.in_(SUBSTANTIATED),
        Case.created_at >= start)) or 0
    # The statistics rows keep the month of receipt only (issue 11 §5): a purged case counts
    # from the first day of the month `since` falls in.
    purged = db.scalar(select(func.count()).select_from(CaseStat).where(
        CaseStat.supplier_id == supplier_id, CaseStat.outcome.in_(SUBSTANTIATED),
        CaseStat.received_month >= f"{since:%Y-%m}")) or 0
    return int(live) + int(purged)
