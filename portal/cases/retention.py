"""The retention policy (Directive 2019/1937 Art. 17, GDPR): purge closed cases after their
unit's retention period, unless under legal hold, keeping a content-free statistics row.

Purging deletes the case row and, through the database's cascades, its answers, messages,
attachment rows, key wraps, escalations, exclusions and reporter sessions; the reporter
envelope and look-up id go with the row, so the case code stops working. The sealed files are
removed from the store by the caller *after* the commit: if the commit fails nothing is lost,
and a crash in between leaves only unreferenced ciphertext that `aktsom init` sweeps away.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, func, or_, select
from sqlalchemy.orm import Session

from config import Settings
from portal.audit import record_event
from portal.cases.identity import named_case_ids
from portal.deadlines import CLOSED_WITHOUT_ACKNOWLEDGEMENT, CLOSED_WITHOUT_FEEDBACK, Clocks
from portal.models import Attachment, Case, CaseStat, OrgUnit
from portal.serverkeys import ServerKeys
from portal.states import ActorKind, AuditAction, CaseStatus

# Cases deleted per statement: bounded memory and parameter lists on any backend.
_BATCH = 500


@dataclass
class PurgeResult:
    """What a purge did (or, on a dry run, would do)."""

    purged: int = 0
    held: int = 0
    files: list[str] = field(default_factory=list)


def _expired(db: Session, settings: Settings, now: datetime) -> ColumnElement[bool]:
    """Closed longer ago than the unit's retention period (or the organisation's default)."""
    custom = {unit_id: days for unit_id, days in db.execute(
        select(OrgUnit.id, OrgUnit.retention_days).where(OrgUnit.retention_days.is_not(None)))
        if days is not None}
    default_cutoff = now - timedelta(days=settings.retention_days)
    branches = [and_(Case.unit_id == unit_id, Case.closed_at < now - timedelta(days=days))
                for unit_id, days in custom.items()]
    others: ColumnElement[bool] = Case.unit_id.is_(None)
    if custom:
        others = or_(others, Case.unit_id.not_in(list(custom)))
    branches.append(and_(others, Case.closed_at < default_cutoff))
    return and_(Case.status == CaseStatus.CLOSED, Case.closed_at.is_not(None), or_(*branches))


def _on_time(state: str) -> bool | None:
    if state == "done":
        return True
    # Closed without the acknowledgement or feedback: never on time (issue 11 §1); the
    # statistics row also flags it, so the figures count it apart.
    if state in ("late", "overdue", CLOSED_WITHOUT_ACKNOWLEDGEMENT, CLOSED_WITHOUT_FEEDBACK):
        return False
    return None


def statistics_row(case: Case, now: datetime) -> CaseStat:
    """The content-free row that stands for `case` in the annual figures once it is purged."""
    clocks = Clocks(acknowledgement_due=case.acknowledgement_due_at,
                    feedback_due=case.feedback_due_at, acknowledged_at=case.acknowledged_at,
                    feedback_at=case.feedback_at, closed_at=case.closed_at)
    return CaseStat(
        year=case.created_at.year, unit_id=case.unit_id, category=case.category,
        human_rights=case.human_rights, channel=case.channel, outcome=case.outcome,
        human_rights_breach=case.human_rights_breach,
        acknowledged_on_time=_on_time(clocks.acknowledgement_state(now)),
        feedback_on_time=_on_time(clocks.feedback_state(now)),
        closed_without_acknowledgement=(clocks.acknowledgement_state(now)
                                        == CLOSED_WITHOUT_ACKNOWLEDGEMENT),
        closed_without_feedback=clocks.feedback_state(now) == CLOSED_WITHOUT_FEEDBACK,
        supplier_id=case.supplier_id, created_at=case.created_at, closed_at=case.closed_at,
        purged_at=now,
    )


def purge_expired_cases(db: Session, settings: Settings, keys: ServerKeys, *, now: datetime,
                        dry_run: bool = False) -> PurgeResult:
    """Apply the retention policy. Returns the store names to delete after the commit.

    A dry run only counts; it changes nothing and returns no file names.
    """
    expired = _expired(db, settings, now)
    result = PurgeResult()
    result.held = int(db.scalar(select(func.count(Case.id)).where(
        expired, Case.legal_hold.is_(True))) or 0)
    case_ids = list(db.scalars(select(Case.id).where(expired, Case.legal_hold.is_(False))
                               .order_by(Case.closed_at, Case.id)))
    if dry_run:
        result.purged = len(case_ids)
        return result
    for start in range(0, len(case_ids), _BATCH):
        batch = case_ids[start:start + _BATCH]
        cases = db.scalars(select(Case).where(Case.id.in_(batch))).all()
        named = named_case_ids(db, batch)  # the anonymous share survives (issue 11 §8)
        for case in cases:
            row = statistics_row(case, now)
            row.reporter_named = case.id in named
            db.add(row)
            record_event(db, keys.audit, action=AuditAction.CASE_PURGED,
                         actor_kind=ActorKind.SYSTEM, case_id=case.id, at=now)
        result.files.extend(db.scalars(select(Attachment.stored_name)
                                       .where(Attachment.case_id.in_(batch))))
        db.flush()
        # One statement; the foreign keys' ON DELETE CASCADE remove every dependent row.
        db.execute(delete(Case).where(Case.id.in_(batch)).execution_options(
            synchronize_session=False))
        for case in cases:
            # The rows are gone; the session must not try to write these objects back.
            db.expunge(case)
        result.purged += len(batch)
    return result
