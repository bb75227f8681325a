"""What the case list shows of each case for the signed-in user (issue 14 §8): the unread
mark, the last activity and the assignee, for the page's rows only."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from portal.cases.assignees import assignee_names
from portal.cases.case_views import seen_states
from portal.cases.listing import CaseRow


def attention_context(db: Session, user_id: str, rows: Sequence[CaseRow]) -> dict[str, object]:
    """`seen`: case id -> SeenState; `assignees`: case id -> (user id, name)."""
    case_ids = [row.id for row in rows]
    return {"seen": seen_states(db, user_id, case_ids),
            "assignees": assignee_names(db, case_ids),
            "me": user_id}
