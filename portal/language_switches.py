"""Which languages are offered (issue 16 §4 and §5): the settings' languages less those an
admin switched off, and the languages each company wants offered first."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from config import Settings
from config.languages import BY_CODE
from portal.audit import Actor, record_event
from portal.db import utcnow
from portal.models import LanguageSwitch, OrgUnit
from portal.refusals import N_, Refusal
from portal.serverkeys import ServerKeys
from portal.states import AuditAction


def switched_off(db: Session) -> set[str]:
    return set(db.scalars(select(LanguageSwitch.code).where(LanguageSwitch.enabled.is_(False))))


def offered_languages(db: Session, settings: Settings) -> tuple[str, ...]:
    """The settings' languages an admin has not switched off. The default language is always
    offered: it is what everyone else falls back to."""
    off = switched_off(db) - {settings.default_language}
    return tuple(code for code in settings.languages if code not in off)


def switch_language(db: Session, keys: ServerKeys, settings: Settings, actor: Actor, *,
                    code: str, enabled: bool, now: datetime | None = None) -> None:
    """Switch a language on or off for reporters and staff; audited."""
    if code not in settings.languages:
        raise Refusal(N_("This language is not offered by this installation."))
    if not enabled and code == settings.default_language:
        raise Refusal(N_("The default language cannot be switched off."))
    row = db.get(LanguageSwitch, code)
    if row is None:
        row = LanguageSwitch(code=code)
        db.add(row)
    row.enabled = enabled
    row.changed_at = now or utcnow()
    db.flush()
    record_event(db, keys.audit,
                 action=AuditAction.LANGUAGE_ON if enabled else AuditAction.LANGUAGE_OFF,
                 actor_kind=actor.kind, actor_id=actor.id, target_id=code, at=now)


def unit_languages(unit: OrgUnit | None) -> list[str]:
    return (unit.languages or "").split() if unit is not None else []


def set_unit_languages(db: Session, keys: ServerKeys, actor: Actor, unit: OrgUnit,
                       codes: Iterable[str]) -> list[str]:
    """The languages offered first on `unit`'s pages, in order (none: no preference)."""
    chosen = list(dict.fromkeys(code.strip().lower() for code in codes if code.strip()))
    for code in chosen:
        if code not in BY_CODE:
            raise Refusal(N_("There is no language with code %(code)s."), code=code)
    unit.languages = " ".join(chosen) or None
    db.flush()
    record_event(db, keys.audit, action=AuditAction.UNIT_LANGUAGES_SET,
                 actor_kind=actor.kind, actor_id=actor.id, target_id=unit.id)
    return chosen
