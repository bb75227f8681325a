"""Registering a concern told in person to a leader (issue 11 §7(b); AML §2A-6).

Who may register: managers (the "nearest leader" of the routines) and handlers (a handler may
be someone's leader too). Neither needs to be a handler of the company concerned: the case is
routed to that company's handlers exactly as a web report is, and the leader keeps no key to
it unless they are one of them. The case code is shown once, in the response to the POST, for
the leader to hand to the reporter if they want to follow the case.
"""

from __future__ import annotations

from flask import flash, render_template
from flask_babel import gettext as _
from sqlalchemy import select

from admin.cases.forms import LeaderIntakeForm
from admin.cases.labels import category_labels
from portal.access import require_staff, roles_required
from portal.cases.keys import holds_case
from portal.cases.leader_intake import register_leader_intake
from portal.cases.submission import ChannelNotReady, NewReport
from portal.db import db_session
from portal.extensions import server_keys_of, settings_of
from portal.i18n import LANGUAGE_NAMES
from portal.models import OrgUnit, Role
from portal.refusals import Refusal
from portal.states import Channel
from portal.storage import file_store

TEMPLATE = "admin/cases/leader_intake.html"


@roles_required(Role.MANAGER, Role.HANDLER)
def register_leader_intake_view() -> str | tuple[str, int]:
    """The form, then the new case's code (once)."""
    staff = require_staff()
    db = db_session()
    settings = settings_of()
    form = LeaderIntakeForm()
    units = db.execute(select(OrgUnit.id, OrgUnit.name).order_by(OrgUnit.name)).all()
    form.unit.choices = [(unit_id, name) for unit_id, name in units]
    form.category.choices = list(category_labels(settings).items())
    form.language.choices = [(code, LANGUAGE_NAMES.get(code, code))
                             for code in settings.languages]
    if form.language.data is None:
        form.language.data = settings.default_language
    if not form.validate_on_submit():
        return render_template(TEMPLATE, form=form), 400 if form.is_submitted() else 200
    category = next(item for item in settings.categories if item.code == form.category.data)
    report = NewReport(category=category.code, human_rights=category.human_rights,
                       unit_id=form.unit.data, description=form.description.data or "",
                       language=form.language.data, contact=form.identity.data or "",
                       channel=Channel.LEADER)
    try:
        registered = register_leader_intake(
            db, settings=settings, server_keys=server_keys_of(), store=file_store(),
            user=staff.user, report=report, account=form.account.data or "")
    except ChannelNotReady:
        flash(_("No approved handler or recovery key can receive this case. Nothing was "
                "stored."), "error")
        return render_template(TEMPLATE, form=form), 503
    except Refusal as error:
        flash(error.translated(), "error")
        return render_template(TEMPLATE, form=form), 400
    # Shown only if the request's commit succeeds (else an error page replaces it).
    return render_template("admin/cases/leader_registered.html", code=registered.code,
                           case_id=registered.case.id,
                           holds=holds_case(db, registered.case.id, staff.user.id))
