"""The optional assignee of a case (issue 14 §8): the handler who has taken it on.

Only someone who can read the case may be its assignee: an active handler holding the case
key (so never someone left out of it). An exclusion or a withdrawn membership ends the
assignment (`end_assignment`, called where the wraps are deleted), and readers count it only
while the assignee still holds the key, so a wrap deleted any other way cannot leave a stale
name on the list. Setting, changing and clearing it are audited; the assignee is the event's
target.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, exists, select
from sqlalchemy.orm import Session

from portal.audit import record_event
from portal.models import Case, CaseAssignment, CaseExclusion, CaseKeyWrap, Role, User
from portal.refusals import N_, Refusal
from portal.states import ActorKind, AuditAction, KeyKind, RecipientKind

NOT_A_READER = N_("Only a handler who can open the case can be its assignee.")


def _holds(case_id: Any, user_id: Any) -> ColumnElement[bool]:
    """`user_id` holds the case key of `case_id` (values or columns of an outer query)."""
    return exists().where(CaseKeyWrap.case_id == case_id, CaseKeyWrap.recipient_id == user_id,
                          CaseKeyWrap.key_kind == KeyKind.CASE,
                          CaseKeyWrap.recipient_kind == RecipientKind.USER)


def may_be_assignee(db: Session, case_id: str, user: User) -> bool:
    """An active handler who holds the case key and is not left out of the case (whom the
    reporter left out never held it)."""
    left_out = exists().where(CaseExclusion.case_id == case_id, CaseExclusion.user_id == user.id)
    return (not user.disabled and user.has_role(Role.HANDLER)
            and bool(db.scalar(select(and_(_holds(case_id, user.id), ~left_out).label("may")))))


def assignee_id(db: Session, case_id: str) -> str | None:
    """The case's assignee, while they still hold its key."""
    return db.scalar(select(CaseAssignment.user_id).where(
        CaseAssignment.case_id == case_id,
        _holds(CaseAssignment.case_id, CaseAssignment.user_id)))


def assignee_names(db: Session, case_ids: Collection[str]) -> dict[str, tuple[str, str]]:
    """(user id, name) of the assignee of each of `case_ids` that has one."""
    if not case_ids:
        return {}
    rows = db.execute(select(CaseAssignment.case_id, User.id, User.name)
                      .join(User, User.id == CaseAssignment.user_id)
                      .where(CaseAssignment.case_id.in_(case_ids),
                             _holds(CaseAssignment.case_id, CaseAssignment.user_id)))
    return {case_id: (user_id, name) for case_id, user_id, name in rows}


def assigned_condition(user_id: str) -> ColumnElement[bool]:
    """Cases assigned to `user_id` (the case list's "assigned to me" filter; the list holds
    only cases the user has the key of)."""
    return exists().where(and_(CaseAssignment.case_id == Case.id,
                               CaseAssignment.user_id == user_id))


def set_assignee(db: Session, audit_key: bytes, *, case_id: str, actor: User,
                 assignee: User | None, now: datetime) -> bool:
    """Make `assignee` the case's assignee, or clear it (None). Refused, with nothing
    changed, for someone who cannot read the case. Returns whether anything changed."""
    current = db.get(CaseAssignment, case_id)
    if assignee is None:
        if current is None:
            return False
        return end_assignment(db, audit_key, case_id=case_id, user_id=current.user_id,
                              actor_id=actor.id, now=now)
    if not may_be_assignee(db, case_id, assignee):
        raise Refusal(NOT_A_READER)
    if current is not None and current.user_id == assignee.id:
        return False
    if current is None:
        db.add(CaseAssignment(case_id=case_id, user_id=assignee.id, assigned_by=actor.id,
                              assigned_at=now))
    else:
        current.user_id, current.assigned_by, current.assigned_at = (assignee.id, actor.id,
                                                                     now)
    record_event(db, audit_key, action=AuditAction.CASE_ASSIGNED, actor_kind=ActorKind.USER,
                 actor_id=actor.id, case_id=case_id, target_id=assignee.id, at=now)
    db.flush()
    return True


def end_assignment(db: Session, audit_key: bytes, *, case_id: str, user_id: str,
                   actor_id: str | None, now: datetime | None = None,
                   actor_kind: ActorKind = ActorKind.USER) -> bool:
    """`user_id` is no longer the case's assignee (cleared, left out of the case, or their
    membership withdrawn). Returns whether they were."""
    gone = _rowcount(db.execute(delete(CaseAssignment).where(
        CaseAssignment.case_id == case_id, CaseAssignment.user_id == user_id)
        .execution_options(synchronize_session="fetch")))
    if not gone:
        return False
    record_event(db, audit_key, action=AuditAction.CASE_UNASSIGNED, actor_kind=actor_kind,
                 actor_id=actor_id, case_id=case_id, target_id=user_id, at=now)
    return True


def _rowcount(result: object) -> int:
    """Rows an UPDATE or DELETE touched (typed `Result` does not declare it)."""
    return int(getattr(result, "rowcount", 0) or 0)
