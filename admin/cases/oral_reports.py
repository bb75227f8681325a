"""Registering a report received orally or in a meeting (Directive 2019/1937 Art. 9(2), 18).

The case code is shown once, in the response to the POST (never in a redirect, a flash
message or a log), for the handler to hand to the reporter, who reads and confirms the
minutes with it.
"""

from __future__ import annotations

from flask import flash, render_template
from flask_babel import gettext as _
from sqlalchemy import select

from admin.cases.forms import RegisterForm
from admin.cases.labels import category_labels
from portal.access import require_staff, roles_required
from portal.cases.keys import holds_case
from portal.cases.minutes import register_oral_report
from portal.cases.submission import ChannelNotReady, NewReport
from portal.db import db_session
from portal.extensions import server_keys_of, settings_of
from portal.i18n import LANGUAGE_NAMES
from portal.models import OrgUnit, Role
from portal.refusals import Refusal
from portal.states import Channel
from portal.storage import file_store


@roles_required(Role.HANDLER)
def register() -> str | tuple[str, int]:
    """The form, then the new case's code (once)."""
    staff = require_staff()
    db = db_session()
    settings = settings_of()
    form = RegisterForm()
    units = db.scalars(select(OrgUnit).where(OrgUnit.id.in_(staff.user.unit_ids))
                       .order_by(OrgUnit.name)).all()
    form.unit.choices = [(unit.id, unit.name) for unit in units]
    form.category.choices = list(category_labels(settings).items())
    form.language.choices = [(code, LANGUAGE_NAMES.get(code, code))
                             for code in settings.languages]
    if form.language.data is None:
        form.language.data = settings.default_language
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("admin/cases/new.html", form=form), status
    category = next(item for item in settings.categories if item.code == form.category.data)
    report = NewReport(category=category.code, human_rights=category.human_rights,
                       unit_id=form.unit.data, description=form.description.data or "",
                       language=form.language.data, channel=Channel(form.channel.data))
    try:
        registered = register_oral_report(
            db, settings=settings, server_keys=server_keys_of(), store=file_store(),
            user=staff.user, report=report, minutes=form.minutes.data or "")
    except ChannelNotReady:
        flash(_("No approved handler or recovery key can receive this case. Nothing was "
                "stored."), "error")
        return render_template("admin/cases/new.html", form=form), 503
    except Refusal as error:
        flash(error.translated(), "error")
        return render_template("admin/cases/new.html", form=form), 400
    # Shown only if the request's commit succeeds (else an error page replaces it).
    return render_template("admin/cases/registered.html", code=registered.code,
                           case_id=registered.case.id,
                           holds=holds_case(db, registered.case.id, staff.user.id))
