"""Who opened a case page, and what is new to them since (issue 14 §8, §11).

Opening the case page records, per user and case, how far the dialogue went (`seen_seq`,
the highest message number). The case list marks a case while it has a reporter's message
with a higher number, or while the user has never opened it: message numbers, never times,
because a reporter's rows keep the day only (security finding 11).

Opening a case page is audited as `case.viewed` ("who read this report?"), at most once per
user and case in VIEW_AUDIT_INTERVAL: a handler working a case reloads its page after every
action, and one event per reload would bury the log's other entries. The first opening
after a pause of the interval is recorded again, so the log still tells who read a report
and roughly when (docs/audit.md).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, exists, func, not_, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from portal.audit import record_event
from portal.models import Case, CaseView, Message
from portal.states import ActorKind, AuditAction, AuthorKind

VIEW_AUDIT_INTERVAL = timedelta(minutes=30)


def _insert_if_missing(db: Session, values: dict[str, object]) -> None:
    """Insert the (case, user) row unless a concurrent request did: two tabs opening the
    same case at once must not make one of them a 500."""
    dialect = db.get_bind().dialect.name
    if dialect == "postgresql":
        db.execute(postgresql_insert(CaseView).values(values)
                   .on_conflict_do_nothing(index_elements=["case_id", "user_id"]))
    elif dialect == "sqlite":
        db.execute(sqlite_insert(CaseView).values(values)
                   .on_conflict_do_nothing(index_elements=["case_id", "user_id"]))
    else:  # pragma: no cover - the two supported databases are above
        raise RuntimeError(f"unsupported database {dialect}")


def record_case_view(db: Session, audit_key: bytes, *, case_id: str, user_id: str,
                     now: datetime) -> bool:
    """Remember that `user_id` opened `case_id` now, with every message so far; write a
    `case.viewed` audit event unless one was written for them in VIEW_AUDIT_INTERVAL.
    Returns whether an event was written. Never commits."""
    last_seq = db.scalar(select(func.max(Message.seq)).where(Message.case_id == case_id))
    seen = -1 if last_seq is None else int(last_seq)
    _insert_if_missing(db, {"case_id": case_id, "user_id": user_id, "seen_seq": seen,
                            "seen_at": now, "audited_at": None})
    mine = and_(CaseView.case_id == case_id, CaseView.user_id == user_id)
    # Never lower the mark: a slower request that read fewer messages may finish last.
    db.execute(update(CaseView).where(mine).values(
        seen_seq=case((CaseView.seen_seq > seen, CaseView.seen_seq), else_=seen),
        seen_at=now).execution_options(synchronize_session=False))
    # One request wins the interval: the row lock (PostgreSQL) or the database lock
    # (SQLite) makes a concurrent one see the new `audited_at` and update nothing.
    claimed = _rowcount(db.execute(update(CaseView).where(
        mine, or_(CaseView.audited_at.is_(None),
                  CaseView.audited_at <= now - VIEW_AUDIT_INTERVAL))
        .values(audited_at=now).execution_options(synchronize_session=False)))
    if not claimed:
        return False
    record_event(db, audit_key, action=AuditAction.CASE_VIEWED, actor_kind=ActorKind.USER,
                 actor_id=user_id, case_id=case_id, at=now)
    return True


def _view_of(user_id: str) -> ColumnElement[bool]:
    return and_(CaseView.case_id == Case.id, CaseView.user_id == user_id)


def _newer_reporter_message(user_id: str) -> ColumnElement[bool]:
    seen = select(CaseView.seen_seq).where(_view_of(user_id)).scalar_subquery()
    return exists().where(Message.case_id == Case.id, Message.author_kind == AuthorKind.REPORTER,
                          Message.seq > seen)


def unread_condition(user_id: str) -> ColumnElement[bool]:
    """Cases with something `user_id` has not seen: never opened by them, or a reporter's
    message newer than their last opening (the case list's "unread" filter)."""
    return or_(not_(exists().where(_view_of(user_id))), _newer_reporter_message(user_id))


@dataclass(frozen=True)
class SeenState:
    """What the list shows of one case for one user."""

    never_opened: bool
    new_message: bool
    last_activity: datetime

    @property
    def unread(self) -> bool:
        return self.never_opened or self.new_message


def seen_states(db: Session, user_id: str, case_ids: Collection[str]) -> dict[str, SeenState]:
    """For the cases of one list page: unread marks and the last activity, which is the
    newest of the case's receipt, its clocks' stops and its messages (a reporter's message
    counts from its day, as stored)."""
    if not case_ids:
        return {}
    latest_message = (select(Message.case_id, func.max(Message.created_at).label("at"))
                      .where(Message.case_id.in_(case_ids)).group_by(Message.case_id)
                      .subquery())
    reporter_seq = (select(Message.case_id, func.max(Message.seq).label("seq"))
                    .where(Message.case_id.in_(case_ids),
                           Message.author_kind == AuthorKind.REPORTER)
                    .group_by(Message.case_id).subquery())
    rows = db.execute(
        select(Case.id, Case.created_at, Case.acknowledged_at, Case.feedback_at,
               Case.closed_at, latest_message.c.at, reporter_seq.c.seq, CaseView.seen_seq)
        .outerjoin(latest_message, latest_message.c.case_id == Case.id)
        .outerjoin(reporter_seq, reporter_seq.c.case_id == Case.id)
        .outerjoin(CaseView, _view_of(user_id))
        .where(Case.id.in_(case_ids)))
    states = {}
    for (case_id, created_at, acknowledged_at, feedback_at, closed_at, message_at,
         newest_reporter_seq, seen_seq) in rows:
        moments = [moment for moment in (created_at, acknowledged_at, feedback_at, closed_at,
                                         message_at) if moment is not None]
        states[case_id] = SeenState(
            never_opened=seen_seq is None,
            new_message=(seen_seq is not None and newest_reporter_seq is not None
                         and newest_reporter_seq > seen_seq),
            last_activity=max(moments))
    return states


def _rowcount(result: object) -> int:
    """Rows an UPDATE or DELETE touched (typed `Result` does not declare it)."""
    return int(getattr(result, "rowcount", 0) or 0)
