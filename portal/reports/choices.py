"""What the report form offers: categories, companies, and the handlers a reporter may leave
out (conflict of interest, issue 4 §1). Names are shown so the reporter can choose; which
ones they leave out is sealed inside the report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import g
from flask_babel import gettext as _

from config import Settings
from portal.cases.routing_table import RoutingTable, read_routing_table
from portal.db import db_session
from portal.extensions import server_keys_of
from portal.models import OrgUnit, User
from portal.reports.disclosures import reporter_disclosures
from portal.reports.forms import DONT_KNOW, ReportForm


def routing_table() -> RoutingTable:
    """The request's routing table, read once however many pages parts ask (issue 15 §3).
    It lives as long as the request: an organisation changed by the staff side is seen by the
    next request, and no reporter request changes it."""
    if "aktsom_routing_table" not in g:
        g.aktsom_routing_table = read_routing_table(db_session(), server_keys_of())
    table: RoutingTable = g.aktsom_routing_table
    return table


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


def _per_unit(table: RoutingTable) -> list[UnitHandlers]:
    return [UnitHandlers(unit, table.handlers_of(unit.id)) for unit in table.units]


def _readiness(table: RoutingTable) -> Readiness:
    if table.recovery_key is None:
        return Readiness(can_receive=False)
    if table.group_handlers:
        return Readiness(can_receive=True)
    per_unit = _per_unit(table)
    open_units = [entry for entry in per_unit if entry.handlers]
    if not open_units:
        return Readiness(can_receive=False)
    return Readiness(can_receive=True, dont_know_closed=True,
                     closed_units=tuple(entry.unit.name for entry in per_unit
                                        if not entry.handlers))


def channel_readiness() -> Readiness:
    """The channel's readiness for the landing page."""
    return _readiness(routing_table())


def handlers_left_out(unit_id: str | None, excluded_user_ids: set[str]) -> list[User]:
    """The handlers who could have received a report about `unit_id` had the reporter not
    left every one of them out; empty unless the exclusions alone stop the report (the
    recovery key is there and someone could receive it without them)."""
    table = routing_table()
    if not excluded_user_ids or table.recovery_key is None:
        return []
    could = list(table.handlers_of(unit_id)) if unit_id is not None else []
    seen = {user.id for user in could}
    could += [user for user in table.group_handlers if user.id not in seen]
    if not could or any(user.id not in excluded_user_ids for user in could):
        return []
    return could


def fill_report_choices(form: ReportForm, settings: Settings) -> None:
    """The form's choices, which validating a post needs; nothing shown only on the page."""
    table = routing_table()
    form.category.choices = [(item.code, _(item.label)) for item in settings.categories]
    form.unit.choices = [("", _("Choose…"))] + [(unit.id, unit.name) for unit in table.units] + [
        (DONT_KNOW, _("I don't know / several companies"))
    ]
    seen: dict[str, str] = {}
    for unit in table.units:
        for user in table.handlers_of(unit.id):
            seen.setdefault(user.id, user.name)
    for user in table.group_handlers:
        seen.setdefault(user.id, user.name)
    form.exclude.choices = sorted(seen.items(), key=lambda item: item[1])


def report_form_context(settings: Settings) -> dict[str, Any]:
    """What the template shows around the form; only built when the page is rendered (a
    valid post that is stored never needs it, issue 15 §3)."""
    table = routing_table()
    return {
        "per_unit": [entry for entry in _per_unit(table) if entry.handlers],
        "group_handlers": table.group_handlers,
        "limits": {
            "count": settings.max_attachments,
            "file_mb": settings.max_file_bytes // (1024 * 1024),
            "total_mb": settings.max_total_upload_bytes // (1024 * 1024),
        },
        "strip_metadata": settings.strip_metadata,
        # Who can read the report, how long it is kept, what protects the reporter (issue 11
        # §2), before it is sent.
        "disclosures": reporter_disclosures(table, settings),
        "organisation": settings.organisation_name,
        "readiness": _readiness(table),
    }
