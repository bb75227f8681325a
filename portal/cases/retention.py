"""The retention policy (Directive 2019/1937 Art. 17, GDPR Art. 5(1)(e)): purge closed cases
after their unit's retention period, unless under a legal hold whose review date is still
ahead, keeping a content-free statistics row.

The period is set per company (`set_unit_retention`: `aktsom units retention`, the admin
retention page), shorter for cases closed as unfounded, and never above the maximum of the
company's country (`Settings.retention_max_days`, e.g. Sweden two years after closing). A
legal hold stands only until its review date (portal.cases.legal_holds): then it lapses and
the purge applies.

Purging deletes the case row and, through the database's cascades, its answers, messages,
attachment rows, key wraps, escalations, exclusions and reporter sessions; the reporter
envelope and look-up id go with the row, so the case code stops working. The sealed files are
removed from the store by the caller *after* the commit: if the commit fails nothing is lost,
and a crash in between leaves only unreferenced ciphertext that `aktsom init` sweeps away.
The statistics row keeps months, never an exact time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, func, or_, select
from sqlalchemy.orm import Session

from config import Settings
from portal.audit import Actor, record_event
from portal.cases.identity import named_case_ids
from portal.deadlines import CLOSED_WITHOUT_ACKNOWLEDGEMENT, CLOSED_WITHOUT_FEEDBACK, Clocks
from portal.models import Attachment, Case, CaseStat, LegalHold, OrgUnit
from portal.refusals import N_, Refusal
from portal.serverkeys import ServerKeys
from portal.states import (
    ActorKind,
    AuditAction,
    BoundaryAction,
    CaseStatus,
    ClosingReason,
    Outcome,
)

# Cases deleted per statement: bounded memory and parameter lists on any backend.
_BATCH = 500
# The purge names the legal holds whose review date is this close.
REVIEW_NOTICE_DAYS = 14


@dataclass
class PurgeResult:
    """What a purge did (or, on a dry run, would do)."""

    purged: int = 0
    held: int = 0
    # Legal holds past their review date (ended by this run, or on a dry run would be).
    lapsed: int = 0
    # Legal holds whose review date comes within REVIEW_NOTICE_DAYS: renew or let them lapse.
    review_soon: int = 0
    files: list[str] = field(default_factory=list)


def country_maximum(settings: Settings, country: str | None) -> int | None:
    """The legal maximum (days after closing) for a company in `country`, if one is set."""
    return settings.retention_max_days.get((country or "").upper())


def _capped(days: int, maximum: int | None) -> int:
    return days if maximum is None else min(days, maximum)


def general_days(settings: Settings, unit: OrgUnit | None) -> int:
    """Days after closing before a case of `unit` is purged (the organisation's default when
    the unit sets none), never above its country's maximum."""
    if unit is None:
        return settings.retention_days
    return _capped(unit.retention_days or settings.retention_days,
                   country_maximum(settings, unit.country))


def unfounded_days(settings: Settings, unit: OrgUnit | None) -> int:
    """Days after closing for a case closed as unfounded: the unit's shorter period or the
    default, never longer than the general period."""
    chosen = (unit.unfounded_retention_days if unit is not None else None)
    return min(chosen or settings.retention_unfounded_days, general_days(settings, unit))


def retention_days_for(unit: OrgUnit | None, settings: Settings | None = None) -> int:
    """Days after closing that a case of `unit` is kept in the general case (what reporters
    are told). Without `settings`, those of the current app."""
    if settings is None:
        from portal.extensions import settings_of

        settings = settings_of()
    return general_days(settings, unit)


def set_unit_retention(db: Session, settings: Settings, keys: ServerKeys, actor: Actor, *,
                       unit: OrgUnit, days: int | None,
                       unfounded: int | None = None) -> OrgUnit:
    """Set a company's retention periods (None: the organisation's default). Refused above the
    maximum of the company's country, and for an unfounded period longer than the general
    one. Audited; the periods are metadata, not content."""
    maximum = country_maximum(settings, unit.country)
    for value in (days, unfounded):
        if value is not None and value <= 0:
            raise Refusal(N_("A retention period is a positive number of days."))
    if days is not None and maximum is not None and days > maximum:
        raise Refusal(N_("The law of %(country)s allows at most %(max)d days after closing; "
                         "%(days)d days is refused."), country=unit.country or "", max=maximum,
                      days=days)
    general = _capped(days or settings.retention_days, maximum)
    if unfounded is not None and unfounded > general:
        raise Refusal(N_("Cases closed as unfounded cannot be kept longer (%(unfounded)d days) "
                         "than other cases (%(days)d days)."), unfounded=unfounded,
                      days=general)
    unit.retention_days, unit.unfounded_retention_days = days, unfounded
    record_event(db, keys.audit, action=BoundaryAction.UNIT_RETENTION_CHANGED,
                 actor_kind=actor.kind, actor_id=actor.id, target_id=unit.id)
    db.flush()
    return unit


def _closed_before(unit_clause: ColumnElement[bool], now: datetime, general: int,
                   unfounded: int) -> ColumnElement[bool]:
    closed_as_unfounded = or_(Case.outcome == Outcome.UNFOUNDED,
                              Case.closing_reason == ClosingReason.MANIFESTLY_UNFOUNDED)
    return and_(unit_clause, or_(
        Case.closed_at < now - timedelta(days=general),
        and_(closed_as_unfounded, Case.closed_at < now - timedelta(days=unfounded))))


def _expired(db: Session, settings: Settings, now: datetime) -> ColumnElement[bool]:
    """Closed longer ago than the unit's period for the case's outcome (or the default)."""
    units = list(db.scalars(select(OrgUnit)))
    branches = [_closed_before(Case.unit_id == unit.id, now, general_days(settings, unit),
                               unfounded_days(settings, unit)) for unit in units]
    others: ColumnElement[bool] = Case.unit_id.is_(None)
    if units:
        others = or_(others, Case.unit_id.not_in([unit.id for unit in units]))
    branches.append(_closed_before(others, now, general_days(settings, None),
                                   unfounded_days(settings, None)))
    return and_(Case.status == CaseStatus.CLOSED, Case.closed_at.is_not(None), or_(*branches))


def _hold_stands(now: datetime) -> ColumnElement[bool]:
    """A legal hold holds only while its review date is ahead (a flag without one is lapsed)."""
    return and_(Case.legal_hold.is_(True), select(LegalHold.id).where(
        LegalHold.case_id == Case.id, LegalHold.review_at > now).exists())


def lapse_holds(db: Session, keys: ServerKeys, now: datetime) -> int:
    """End every legal hold past its review date (audited); returns how many lapsed."""
    lapsed = list(db.scalars(select(Case).where(Case.legal_hold.is_(True),
                                                ~_hold_stands(now))))
    for case in lapsed:
        case.legal_hold = False
        db.execute(delete(LegalHold).where(LegalHold.case_id == case.id))
        record_event(db, keys.audit, action=BoundaryAction.CASE_LEGAL_HOLD_LAPSED,
                     actor_kind=ActorKind.SYSTEM, case_id=case.id, at=now)
    db.flush()
    return len(lapsed)


def _on_time(state: str) -> bool | None:
    if state == "done":
        return True
    # Closed without the acknowledgement or feedback: never on time (issue 11 §1); the
    # statistics row also flags it, so the figures count it apart.
    if state in ("late", "overdue", CLOSED_WITHOUT_ACKNOWLEDGEMENT, CLOSED_WITHOUT_FEEDBACK):
        return False
    return None


def month_of(moment: datetime) -> str:
    """"YYYY-MM": all the statistics row keeps of a time."""
    return f"{moment.year:04d}-{moment.month:02d}"


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
        supplier_id=case.supplier_id, received_month=month_of(case.created_at),
        closed_month=None if case.closed_at is None else month_of(case.closed_at),
        purged_month=month_of(now),
    )


def purge_expired_cases(db: Session, settings: Settings, keys: ServerKeys, *, now: datetime,
                        dry_run: bool = False) -> PurgeResult:
    """Apply the retention policy. Returns the store names to delete after the commit.

    A dry run only counts; it changes nothing and returns no file names.
    """
    result = PurgeResult()
    result.review_soon = int(db.scalar(select(func.count(LegalHold.id)).where(
        LegalHold.review_at > now,
        LegalHold.review_at <= now + timedelta(days=REVIEW_NOTICE_DAYS))) or 0)
    if dry_run:
        result.lapsed = int(db.scalar(select(func.count(Case.id)).where(
            Case.legal_hold.is_(True), ~_hold_stands(now))) or 0)
    else:
        result.lapsed = lapse_holds(db, keys, now)
    expired = _expired(db, settings, now)
    result.held = int(db.scalar(select(func.count(Case.id)).where(
        expired, _hold_stands(now))) or 0)
    case_ids = list(db.scalars(select(Case.id).where(expired, ~_hold_stands(now))
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

