"""The retention page (issue 11 §5): for each org unit, how long closed cases are kept (the
general period and the shorter one for unfounded cases), its country's legal maximum, and a
form to set both; blank goes back to the organisation's default. Administrators only; the
service (portal.cases.retention.set_unit_retention) refuses a period above the maximum and
audits the change. Nothing here touches case content."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.wrappers import Response

from admin.retention.forms import RetentionForm
from portal.access import require_staff, roles_required
from portal.audit import Actor
from portal.cases.retention import country_maximum, general_days, set_unit_retention
from portal.cases.retention import unfounded_days as unfounded_days_of
from portal.db import db_session, discard_changes
from portal.extensions import server_keys_of, settings_of
from portal.models import OrgUnit, Role
from portal.refusals import Refusal
from portal.staff_menu import MenuEntry, declare_menu
from portal.states import ActorKind

bp = Blueprint("retention", __name__)
declare_menu(bp, [
    MenuEntry("retention.units", _l("Retention"), roles=(Role.ADMIN,), order=430),
])


@bp.get("/retention")
@roles_required(Role.ADMIN)
def units() -> str:
    """Every unit with its periods in force and a form to change them."""
    settings = settings_of()
    rows = [{"unit": unit, "days": general_days(settings, unit),
             "unfounded": unfounded_days_of(settings, unit),
             "maximum": country_maximum(settings, unit.country),
             "form": RetentionForm(prefix=unit.id, data={
                 "days": unit.retention_days, "unfounded_days": unit.unfounded_retention_days})}
            for unit in db_session().scalars(select(OrgUnit).order_by(OrgUnit.code))]
    return render_template("admin/retention/units.html", rows=rows, settings=settings)


@bp.post("/retention/<unit_id>")
@roles_required(Role.ADMIN)
def set_periods(unit_id: str) -> Response:
    """Set one unit's periods; a refusal changes nothing and says why."""
    db = db_session()
    unit = db.get(OrgUnit, unit_id)
    if unit is None:
        abort(404)
    form = RetentionForm(prefix=unit.id)
    if not form.validate_on_submit():
        flash(_("Enter a whole number of days, or leave the field blank."), "error")
        return redirect(url_for("retention.units"))
    try:
        set_unit_retention(db, settings_of(), server_keys_of(),
                           Actor(ActorKind.USER, require_staff().user.id), unit=unit,
                           days=form.days.data, unfounded=form.unfounded_days.data)
    except Refusal as refusal:
        discard_changes()
        flash(refusal.translated(), "error")
        return redirect(url_for("retention.units"))
    flash(_("The retention periods of %(code)s have been saved.", code=unit.code), "success")
    return redirect(url_for("retention.units"))
