"""Versions of a company's reporting routines: recorded by an administrator, every one kept.

AML §2A-6 requires routines for internal reporting, drawn up in cooperation with the employees
and their elected representatives. What the company adopted, when and with whom is recorded as
a new version each time; nothing is ever overwritten, and each version is audited.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from portal.audit import Actor, record_event
from portal.db import new_id, utcnow
from portal.models import OrgUnit, RoutineVersion
from portal.refusals import N_, Refusal
from portal.serverkeys import ServerKeys
from portal.workplace_states import WorkplaceAction

MAX_LABEL = 40
MAX_ADOPTED_WITH = 300
MAX_BODY = 20_000


def _newest_first(unit_id: str) -> Select[RoutineVersion]:
    return (select(RoutineVersion).where(RoutineVersion.unit_id == unit_id)
            .order_by(RoutineVersion.adopted_on.desc(), RoutineVersion.recorded_at.desc(),
                      RoutineVersion.id))


def versions_of(db: Session, unit_id: str) -> list[RoutineVersion]:
    """Every version recorded for the unit, the one in force first."""
    return list(db.scalars(_newest_first(unit_id)))


def current_version(db: Session, unit_id: str) -> RoutineVersion | None:
    """The version in force: the latest adopted (the latest recorded on the same day)."""
    return db.scalar(_newest_first(unit_id).limit(1))


def unit_by_code(db: Session, code: str) -> OrgUnit | None:
    return db.scalar(select(OrgUnit).where(OrgUnit.code == code))


def all_units(db: Session) -> list[OrgUnit]:
    """The companies (and the group level), by name, for the public index."""
    return list(db.scalars(select(OrgUnit).order_by(OrgUnit.name, OrgUnit.code)))


def record_version(db: Session, keys: ServerKeys, actor: Actor, *, unit: OrgUnit,
                   version_label: str, adopted_on: date, adopted_with: str,
                   body: str | None, today: date | None = None) -> RoutineVersion:
    """Add a version of the unit's routines (the earlier ones stay) and audit it."""
    label, partners = version_label.strip(), adopted_with.strip()
    text = (body or "").strip() or None
    if not label or len(label) > MAX_LABEL:
        raise Refusal(N_("Enter a version label of at most %(max)s characters."), max=MAX_LABEL)
    if not partners or len(partners) > MAX_ADOPTED_WITH:
        raise Refusal(N_("Say with whom the routines were adopted (at most %(max)s "
                         "characters)."), max=MAX_ADOPTED_WITH)
    if text is not None and len(text) > MAX_BODY:
        raise Refusal(N_("The text of the routines is too long (at most %(max)s characters)."),
                      max=MAX_BODY)
    if adopted_on > (today or utcnow().date()):
        raise Refusal(N_("The date of adoption cannot be in the future."))
    taken = db.scalar(select(RoutineVersion.id).where(RoutineVersion.unit_id == unit.id,
                                                      RoutineVersion.version_label == label))
    if taken is not None:
        raise Refusal(N_("Version %(label)s is already recorded for this company."), label=label)
    version = RoutineVersion(id=new_id(), unit_id=unit.id, version_label=label,
                             adopted_on=adopted_on, adopted_with=partners, body=text,
                             recorded_by=actor.id, recorded_at=utcnow())
    db.add(version)
    db.flush()
    record_event(db, keys.audit, action=WorkplaceAction.ROUTINES_VERSION_RECORDED,
                 actor_kind=actor.kind, actor_id=actor.id, target_id=version.id)
    return version
