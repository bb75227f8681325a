"""What the report form offers: categories, companies, and the handlers a reporter may leave
out (conflict of interest, issue 4 §1). Names are shown so the reporter can choose; which
ones they leave out is sealed inside the report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from config import Settings
from portal.cases.keys import (
    active_recovery_key,
    group_unit_ids,
    handlers_of_units,
    is_certified,
)
from portal.models import OrgUnit, Role, User
from portal.reports.disclosures import reporter_disclosures
from portal.reports.forms import DONT_KNOW, ReportForm
from portal.serverkeys import ServerKeys


@dataclass(frozen=True)
class UnitHandlers:
    unit: OrgUnit
    handlers: list[User]


@dataclass(frozen=True)
class Readiness:
    """Whether the channel can receive a report, said before the reporter writes (issue 14
    §5). A report is stored only if the active recovery key is certified and a certified
    handler of the chosen company, or else of the group, receives it
    (portal.cases.submission)."""

    can_receive: bool
    # Companies whose reports nobody could receive (no handler of theirs nor the group's).
    closed_units: tuple[str, ...] = ()
    # "I don't know / several companies" goes to the group, which has no handler.
    dont_know_closed: bool = False


def _certified_handlers(db: Session, keys: ServerKeys, unit_ids: list[str]) -> list[User]:
    return [user for user in handlers_of_units(db, unit_ids)
            if is_certified(keys, user, Role.HANDLER, unit_ids)]


def _readiness(db: Session, keys: ServerKeys, per_unit: list[UnitHandlers],
               group: list[User]) -> Readiness:
    if active_recovery_key(db, keys) is None:
        return Readiness(can_receive=False)
    if group:
        return Readiness(can_receive=True)
    open_units = [entry for entry in per_unit if entry.handlers]
    if not open_units:
        return Readiness(can_receive=False)
    return Readiness(can_receive=True, dont_know_closed=True,
                     closed_units=tuple(entry.unit.name for entry in per_unit
                                        if not entry.handlers))


def _units(db: Session) -> list[OrgUnit]:
    return list(db.scalars(select(OrgUnit).where(OrgUnit.is_group.is_(False))
                           .order_by(OrgUnit.name)).all())


def channel_readiness(db: Session, keys: ServerKeys) -> Readiness:
    """The channel's readiness for the landing page."""
    per_unit = [UnitHandlers(unit, _certified_handlers(db, keys, [unit.id]))
                for unit in _units(db)]
    return _readiness(db, keys, per_unit, _certified_handlers(db, keys, group_unit_ids(db)))


def handlers_left_out(db: Session, keys: ServerKeys, unit_id: str | None,
                      excluded_user_ids: set[str]) -> list[User]:
    """The handlers who could have received a report about `unit_id` had the reporter not
    left every one of them out; empty unless the exclusions alone stop the report (the
    recovery key is there and someone could receive it without them)."""
    if not excluded_user_ids or active_recovery_key(db, keys) is None:
        return []
    could = _certified_handlers(db, keys, [unit_id]) if unit_id is not None else []
    seen = {user.id for user in could}
    could += [user for user in _certified_handlers(db, keys, group_unit_ids(db))
              if user.id not in seen]
    if not could or any(user.id not in excluded_user_ids for user in could):
        return []
    return could


def report_form_context(db: Session, keys: ServerKeys, form: ReportForm,
                        settings: Settings) -> dict[str, Any]:
    """Fill the form's choices and return what the template shows around them."""
    units = _units(db)
    form.category.choices = [(item.code, _(item.label)) for item in settings.categories]
    form.unit.choices = [("", _("Choose…"))] + [(unit.id, unit.name) for unit in units] + [
        (DONT_KNOW, _("I don't know / several companies"))
    ]
    per_unit = [UnitHandlers(unit, _certified_handlers(db, keys, [unit.id])) for unit in units]
    group = _certified_handlers(db, keys, group_unit_ids(db))
    seen: dict[str, str] = {}
    for entry in per_unit:
        for user in entry.handlers:
            seen.setdefault(user.id, user.name)
    for user in group:
        seen.setdefault(user.id, user.name)
    form.exclude.choices = sorted(seen.items(), key=lambda item: item[1])
    return {
        "per_unit": [entry for entry in per_unit if entry.handlers],
        "group_handlers": group,
        "limits": {
            "count": settings.max_attachments,
            "file_mb": settings.max_file_bytes // (1024 * 1024),
            "total_mb": settings.max_total_upload_bytes // (1024 * 1024),
        },
        "strip_metadata": settings.strip_metadata,
        # Who can read the report, how long it is kept, what protects the reporter (issue 11
        # §2), before it is sent.
        "disclosures": reporter_disclosures(db, keys, settings),
        "organisation": settings.organisation_name,
        "readiness": _readiness(db, keys, per_unit, group),
    }
