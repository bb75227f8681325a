"""Code of Conduct coverage (domain brief §2, seed §6.1): our code signed, the supplier's own
code compared with the checklist, or none; gaps for essential areas it leaves out.

A gap is opened for every essential area marked missing, and, with the setting
`conduct_gap_on_partly` (on by default), for one only partly covered: a partial promise on
forced labour or wages leaves the same hole in practice. A gap stays open until an action of
the supplier's action plan closes it (its id is kept), the supplier signs our code, or a new
comparison finds the area covered. A comparison that finds an area as it was does not reopen
a gap an action closed; one that finds it missing again after it was covered does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from config import Settings
from portal.audit import Actor, record_event
from portal.db import utcnow
from portal.refusals import N_, Refusal
from portal.serverkeys import ServerKeys
from supplier_dd.models import Supplier
from supplier_dd.models.actions import ActionItem, ActionStatus
from supplier_dd.models.conduct import (
    AreaMark,
    CodeOfConductReview,
    ConductAreaMark,
    ConductGap,
    ConductStatus,
    GapClosure,
)
from supplier_dd.states import SupplierAction

MAX_REFERENCE = 200


@dataclass(frozen=True)
class AreaEntry:
    """One checklist row as compliance filled it in."""

    mark: AreaMark
    reference: str = ""


def review_of(db: Session, supplier_id: str) -> CodeOfConductReview | None:
    return db.get(CodeOfConductReview, supplier_id)


def marks_of(db: Session, supplier_id: str) -> dict[str, ConductAreaMark]:
    return {row.area: row for row in db.scalars(
        select(ConductAreaMark).where(ConductAreaMark.supplier_id == supplier_id))}


def gaps_of(db: Session, supplier_id: str, *, open_only: bool = False) -> list[ConductGap]:
    query = select(ConductGap).where(ConductGap.supplier_id == supplier_id)
    if open_only:
        query = query.where(ConductGap.closed_at.is_(None))
    return list(db.scalars(query.order_by(ConductGap.opened_at, ConductGap.area)))


def _review(db: Session, supplier: Supplier, status: ConductStatus,
            actor: Actor) -> CodeOfConductReview:
    review = db.get(CodeOfConductReview, supplier.id)
    if review is None:
        review = CodeOfConductReview(supplier_id=supplier.id, status=status)
        db.add(review)
    review.status, review.updated_by = status, actor.id
    return review


def _close(gap: ConductGap, how: GapClosure, actor: Actor, now: datetime,
           action_id: str | None = None) -> None:
    gap.closed_at, gap.closed_by, gap.action_id, gap.closed_by_user = now, how, action_id, actor.id


def record_signed_ours(db: Session, supplier: Supplier, *, version: str, signed_on: date,
                       keys: ServerKeys, actor: Actor, now: datetime | None = None,
                       ) -> CodeOfConductReview:
    """The supplier signed our code: every open gap is closed by it (audited)."""
    version = version.strip()
    if not version or len(version) > 40:
        raise Refusal(N_("Give the version of our code that was signed (at most 40 "
                         "characters)."))
    moment = now or utcnow()
    if signed_on > moment.date():
        raise Refusal(N_("The signing date cannot be in the future."))
    review = _review(db, supplier, ConductStatus.SIGNED_OURS, actor)
    review.our_version, review.signed_on = version, signed_on
    for gap in gaps_of(db, supplier.id, open_only=True):
        _close(gap, GapClosure.SIGNED_OURS, actor, moment)
    record_event(db, keys.audit, action=SupplierAction.CONDUCT_RECORDED, actor_kind=actor.kind,
                 actor_id=actor.id, target_id=supplier.id)
    return review


def record_no_code(db: Session, supplier: Supplier, *, keys: ServerKeys,
                   actor: Actor) -> CodeOfConductReview:
    """Neither our code nor one of its own (audited). Open gaps stay open."""
    review = _review(db, supplier, ConductStatus.NONE, actor)
    record_event(db, keys.audit, action=SupplierAction.CONDUCT_RECORDED, actor_kind=actor.kind,
                 actor_id=actor.id, target_id=supplier.id)
    return review


def opens_gap(settings: Settings, mark: AreaMark) -> bool:
    return mark == AreaMark.MISSING or (mark == AreaMark.PARTLY
                                        and settings.conduct_gap_on_partly)


def record_own_code(db: Session, supplier: Supplier, settings: Settings, *, title: str,
                    compared_on: date, entries: Mapping[str, AreaEntry], keys: ServerKeys,
                    actor: Actor, now: datetime | None = None) -> list[ConductGap]:
    """The supplier's own code compared with every area of the checklist (audited).

    Opens a gap for each essential area it leaves out (see the module's docstring) that has
    none open yet, and closes open gaps of areas now covered. Returns the gaps opened.
    """
    areas = {area.code: area for area in settings.conduct_areas}
    title = title.strip()
    if not title or len(title) > 200:
        raise Refusal(N_("Name the supplier's code (its title or version, at most 200 "
                         "characters)."))
    moment = now or utcnow()
    if compared_on > moment.date():
        raise Refusal(N_("The comparison date cannot be in the future."))
    if set(entries) - set(areas):
        raise Refusal(N_("The checklist has changed; open the page again."))
    if set(areas) - set(entries):
        raise Refusal(N_("Mark every area of the checklist."))
    if any(len(entry.reference) > MAX_REFERENCE for entry in entries.values()):
        raise Refusal(N_("A reference is at most %(count)s characters."), count=MAX_REFERENCE)
    review = _review(db, supplier, ConductStatus.OWN_COMPARED, actor)
    review.own_code_title, review.compared_on = title, compared_on
    stored = marks_of(db, supplier.id)
    before = {code: row.mark for code, row in stored.items()}
    had_gap = set(db.scalars(select(ConductGap.area).where(
        ConductGap.supplier_id == supplier.id)))
    for code, entry in entries.items():
        row = stored.get(code)
        if row is None:
            row = ConductAreaMark(supplier_id=supplier.id, area=code, mark=entry.mark)
            db.add(row)
        row.mark, row.reference = entry.mark, entry.reference.strip() or None
    open_by_area = {gap.area: gap for gap in gaps_of(db, supplier.id, open_only=True)}
    opened = []
    for code, entry in entries.items():
        gap = open_by_area.get(code)
        if areas[code].essential and opens_gap(settings, entry.mark):
            # A gap an action closed is not reopened by finding the area as it was; it is
            # when the area was covered in between (or never had a gap).
            worse = code not in had_gap or not opens_gap(settings, before.get(
                code, AreaMark.COVERED))
            if gap is None and worse:
                gap = ConductGap(supplier_id=supplier.id, area=code, opened_at=moment)
                db.add(gap)
                opened.append(gap)
        elif gap is not None:
            _close(gap, GapClosure.CODE_REVISED, actor, moment)
    record_event(db, keys.audit, action=SupplierAction.CONDUCT_RECORDED, actor_kind=actor.kind,
                 actor_id=actor.id, target_id=supplier.id)
    return opened


def close_gap_by_action(db: Session, gap: ConductGap, action_id: str, *, keys: ServerKeys,
                        actor: Actor, now: datetime | None = None) -> None:
    """An item of the supplier's action plan closes the gap; its id is kept (audited).

    The item must be the same supplier's and not cancelled; it need not be done yet: the
    action plan follows it from here, and an overdue item raises the supplier's risk.
    """
    if gap.closed_at is not None:
        raise Refusal(N_("The gap is already closed."))
    item = db.get(ActionItem, action_id.strip()) if action_id.strip() else None
    if item is None or item.supplier_id != gap.supplier_id or (
            item.status == ActionStatus.CANCELLED):
        raise Refusal(N_("Choose an item of this supplier's action plan to close the gap."))
    _close(gap, GapClosure.ACTION, actor, now or utcnow(), item.id)
    record_event(db, keys.audit, action=SupplierAction.CONDUCT_GAP_CLOSED,
                 actor_kind=actor.kind, actor_id=actor.id, target_id=gap.id)


def actions_for_gaps(db: Session, supplier_id: str) -> list[ActionItem]:
    """The supplier's action-plan items that may close a gap (all but cancelled ones)."""
    return list(db.scalars(select(ActionItem).where(
        ActionItem.supplier_id == supplier_id, ActionItem.status != ActionStatus.CANCELLED)
        .order_by(ActionItem.due_date, ActionItem.id)))


def open_gap_count(db: Session) -> int:
    return int(db.scalar(select(func.count()).select_from(ConductGap).where(
        ConductGap.closed_at.is_(None))) or 0)


def _in_register(year: int | None) -> list[ColumnElement[bool]]:
    # A year's figures count the suppliers in the register by the year's end, as the
    # register's own year figures do (stats.register_stats); their records as they stand.
    if year is None:
        return []
    return [Supplier.created_at < datetime(year + 1, 1, 1, tzinfo=UTC)]


def conduct_coverage_counts(db: Session, year: int | None = None) -> dict[str, int]:
    """For the annual account (supplier_dd/stats.py composes it): how many suppliers have
    signed our code, had their own compared, have none, or have nothing recorded yet, as the
    register stands when the account is made (with `year`: of the suppliers in the register
    by that year's end)."""
    counts = {status.value: 0 for status in ConductStatus}
    for status, count in db.execute(
            select(CodeOfConductReview.status, func.count())
            .join(Supplier, Supplier.id == CodeOfConductReview.supplier_id)
            .where(*_in_register(year)).group_by(CodeOfConductReview.status)):
        counts[ConductStatus(status).value] = int(count)
    total = int(db.scalar(select(func.count()).select_from(Supplier)
                          .where(*_in_register(year))) or 0)
    counts["unrecorded"] = total - sum(counts.values())
    return counts


NO_SPEND_BAND = "no_band"


def conduct_coverage_by_spend_band(db: Session,
                                   year: int | None = None) -> dict[str, dict[str, int]]:
    """`conduct_coverage_counts` split by the suppliers' annual spend band (issue 13 §2: how
    much of the purchasing the coverage reaches); suppliers without a band under
    `NO_SPEND_BAND`. Only bands with suppliers appear."""
    empty = {**{status.value: 0 for status in ConductStatus}, "unrecorded": 0}
    result: dict[str, dict[str, int]] = {}
    for band, status, count in db.execute(
            select(Supplier.spend_band, CodeOfConductReview.status, func.count())
            .outerjoin(CodeOfConductReview, CodeOfConductReview.supplier_id == Supplier.id)
            .where(*_in_register(year))
            .group_by(Supplier.spend_band, CodeOfConductReview.status)):
        counts = result.setdefault(band or NO_SPEND_BAND, dict(empty))
        counts[ConductStatus(status).value if status else "unrecorded"] += int(count)
    return dict(sorted(result.items()))
