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
from portal.cases.keys import group_unit_ids, handlers_of_units, is_certified
from portal.models import OrgUnit, Role, User
from portal.reports.disclosures import reporter_disclosures
from portal.reports.forms import DONT_KNOW, ReportForm
from portal.serverkeys import ServerKeys


@dataclass(frozen=True)
class UnitHandlers:
    unit: OrgUnit
    handlers: list[User]


def report_form_context(db: Session, keys: ServerKeys, form: ReportForm,
                        settings: Settings) -> dict[str, Any]:
    """Fill the form's choices and return what the template shows around them."""
    units = db.scalars(select(OrgUnit).where(OrgUnit.is_group.is_(False))
                       .order_by(OrgUnit.name)).all()
    form.category.choices = [(item.code, _(item.label)) for item in settings.categories]
    form.unit.choices = [("", _("Choose…"))] + [(unit.id, unit.name) for unit in units] + [
        (DONT_KNOW, _("I don't know / several companies"))
    ]
    per_unit = [
        UnitHandlers(unit, [user for user in handlers_of_units(db, [unit.id])
                            if is_certified(keys, user, Role.HANDLER, [unit.id])])
        for unit in units
    ]
    group_ids = group_unit_ids(db)
    group = [user for user in handlers_of_units(db, group_ids)
             if is_certified(keys, user, Role.HANDLER, group_ids)]
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
    }
