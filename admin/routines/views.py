"""Reporting routines per company: the version in force and its history, and recording a new
version (label, date adopted, with whom, optionally the company's own text).

Administrators only: the routines are the organisation's, not a case's, and a new version is
an act of the employer after the cooperation with the employees that §2A-6 requires. Every
version is kept and audited (portal.routines.services).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.wrappers import Response

from admin.routines.forms import VersionForm
from portal.access import require_staff, roles_required
from portal.audit import Actor
from portal.db import db_session, discard_changes
from portal.extensions import server_keys_of
from portal.models import OrgUnit, Role
from portal.refusals import Refusal
from portal.routines.services import (
    all_units,
    current_version,
    record_version,
    versions_of,
)
from portal.staff_menu import MenuEntry, declare_menu
from portal.states import ActorKind

bp = Blueprint("routines", __name__)
declare_menu(bp, [
    MenuEntry("routines.overview", _l("Reporting routines"), roles=(Role.ADMIN,), order=450),
])


@bp.get("/routines")
@roles_required(Role.ADMIN)
def overview() -> str:
    db = db_session()
    units = all_units(db)
    return render_template("admin/routines/overview.html",
                           rows=[(unit, current_version(db, unit.id)) for unit in units])


@bp.route("/routines/<unit_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def unit_versions(unit_id: str) -> str | tuple[str, int] | Response:
    db = db_session()
    unit = db.scalar(select(OrgUnit).where(OrgUnit.id == unit_id))
    if unit is None:
        abort(404)
    form = VersionForm()
    status = 200
    if form.validate_on_submit():
        staff = require_staff()
        try:
            record_version(db, server_keys_of(), Actor(ActorKind.USER, staff.user.id),
                           unit=unit, version_label=form.version_label.data or "",
                           adopted_on=form.adopted_on.data,  # type: ignore[arg-type]
                           adopted_with=form.adopted_with.data or "", body=form.body.data)
        except Refusal as error:
            discard_changes()
            flash(error.translated(), "error")
            status = 400
        else:
            flash(_("The new version of the routines was recorded."), "success")
            return redirect(url_for("routines.unit_versions", unit_id=unit.id), code=303)
    elif form.is_submitted():
        status = 400
    return render_template("admin/routines/unit.html", unit=unit, form=form,
                           versions=versions_of(db, unit.id)), status
