"""Who may open a case: exclusion, grants, escalation to a manager and the manager's decision.

Each is a service that rewraps or deletes keys and audits; the views only choose the people.
"""

from __future__ import annotations

from flask import abort, flash
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from admin.cases.blueprint import (
    back_to_case,
    back_to_list,
    bp,
    invalid_form,
    opened_case_or_404,
    refused,
)
from admin.cases.forms import DecisionForm, EscalateForm, UserChoiceForm
from portal.access import require_staff, roles_required
from portal.cases.access_grants import case_holder_ids, exclude_user, grant_case
from portal.cases.escalations import escalate, escalations_for_manager, record_decision
from portal.db import db_session
from portal.extensions import server_keys_of, settings_of
from portal.messages import Refusal
from portal.models import Role, User


def _user(user_id: str) -> User:
    user = db_session().get(User, user_id)
    if user is None:
        abort(400)
    return user


@bp.post("/cases/<case_id>/grant")
@roles_required(Role.HANDLER)
def grant(case_id: str) -> Response:
    """Share the case with another handler (both keys rewrapped to their approved key)."""
    staff, opened = opened_case_or_404(case_id)
    form = UserChoiceForm(prefix="grant")
    form.user_id.choices = None  # any id; the service decides who may receive the case
    form.user_id.validate_choice = False
    if not form.validate_on_submit():
        return invalid_form(case_id)
    try:
        grant_case(db_session(), server_keys_of(), opened=opened, actor=staff.user,
                   grantee=_user(form.user_id.data))
    except Refusal as error:
        return refused(error, case_id)
    flash(_("The case has been shared."), "success")
    return back_to_case(case_id)


@bp.post("/cases/<case_id>/exclude")
@roles_required(Role.HANDLER)
def exclude(case_id: str) -> Response:
    """Leave a person out of the case for a conflict of interest; their keys are deleted."""
    staff, opened = opened_case_or_404(case_id)
    form = UserChoiceForm(prefix="exclude")
    holders = case_holder_ids(db_session(), case_id)
    form.user_id.choices = [(user_id, user_id) for user_id in holders]
    if not form.validate_on_submit():
        return invalid_form(case_id)
    excluded = _user(form.user_id.data)
    try:
        exclude_user(db_session(), server_keys_of(), opened=opened, actor=staff.user,
                     excluded=excluded)
    except Refusal as error:
        return refused(error, case_id)
    flash(_("%(name)s can no longer open this case.", name=excluded.name), "success")
    if excluded.id == staff.user.id:
        # They have just removed their own access: the case page would be a 404.
        return back_to_list()
    return back_to_case(case_id)


@bp.post("/cases/<case_id>/escalate")
@roles_required(Role.HANDLER)
def escalate_case(case_id: str) -> Response:
    """Put a breach before a manager with a summary written for them."""
    staff, opened = opened_case_or_404(case_id)
    form = EscalateForm()
    form.manager_id.choices = None
    form.manager_id.validate_choice = False
    if not form.validate_on_submit():
        return invalid_form(case_id)
    manager = _user(form.manager_id.data)
    db = db_session()
    try:
        escalate(db, settings_of(), server_keys_of(), opened=opened, actor=staff.user,
                 manager=manager, summary=form.summary.data or "")
    except Refusal as error:
        return refused(error, case_id)
    flash(_("The case has been put before %(name)s.", name=manager.name), "success")
    return back_to_case(case_id)


@bp.post("/cases/<case_id>/escalations/<escalation_id>/decision")
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
