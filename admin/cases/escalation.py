"""Escalation: a handler puts a breach before a manager with a summary written for them, and
the manager records a decision. The manager never holds the case's keys (design §3)."""

from __future__ import annotations

from flask import abort, flash
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from admin.cases.blueprint import (
    back_to_case,
    invalid_form,
    opened_case_or_404,
    page_with_failed_form,
    refused,
)
from admin.cases.forms import DecisionForm, EscalateForm
from admin.cases.sharing import chosen_user
from portal.access import require_staff, roles_required
from portal.cases.escalations import escalate, escalations_for_manager, record_decision
from portal.db import db_session
from portal.extensions import server_keys_of, settings_of
from portal.models import Role
from portal.refusals import Refusal


@roles_required(Role.HANDLER)
def escalate_case(case_id: str) -> Response:
    """Put a breach before a manager with a summary written for them."""
    staff, opened = opened_case_or_404(case_id)
    form = EscalateForm()
    form.manager_id.choices = None
    form.manager_id.validate_choice = False
    if not form.validate_on_submit():
        return page_with_failed_form(staff, opened, form)
    manager = chosen_user(form.manager_id.data)
    db = db_session()
    try:
        escalate(db, settings_of(), server_keys_of(), opened=opened, actor=staff.user,
                 manager=manager, summary=form.summary.data or "")
    except Refusal as error:
        return refused(error, case_id)
    flash(_("The case has been put before %(name)s.", name=manager.name), "success")
    return back_to_case(case_id)


@roles_required(Role.MANAGER)
def decide(case_id: str, escalation_id: str) -> Response:
    """The manager's decision on an escalation put before them."""
    staff = require_staff()
    db = db_session()
    mine = [item for item in escalations_for_manager(db, case_id, staff.user, staff.private_key)
            if item.escalation.id == escalation_id]
    if not mine:
        abort(404)
    form = DecisionForm()
    if not form.validate_on_submit():
        return invalid_form(case_id)
    try:
        record_decision(db, server_keys_of(), opened=mine[0], manager=staff.user,
                        decision=form.decision.data, note=form.note.data or "")
    except Refusal as error:
        return refused(error, case_id)
    flash(_("Your decision has been recorded."), "success")
    return back_to_case(case_id)
