"""Who may open a case: sharing it with another handler (beyond the case's company and the
group level only with a reason, which the reporter is told of: issue 11 §3), and leaving a
person out of it for a conflict of interest. The services rewrap or delete keys and audit;
the views choose people."""

from __future__ import annotations

from flask import abort, flash, render_template, request
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from admin.cases.blueprint import (
    back_to_case,
    back_to_list,
    invalid_form,
    opened_case_or_404,
    refused,
)
from admin.cases.forms import ApprovalDecisionForm, GrantForm, UserChoiceForm
from portal.access import roles_required
from portal.cases.access_grants import case_holder_ids, grant_case
from portal.cases.exclusion_requests import ask_to_exclude, ask_to_reinstate, decide
from portal.db import db_session
from portal.extensions import server_keys_of, settings_of
from portal.models import Role, User
from portal.refusals import N_, Refusal
from portal.states import ApprovalKind

# The field the step-aside confirmation page sends with the handler's own id.
CONFIRM_SELF = "exclude-confirm_self"


def chosen_user(user_id: str) -> User:
    """The user a form names; a 400 for an id that names nobody (a tampered form)."""
    user = db_session().get(User, user_id)
    if user is None:
        abort(400)
    return user


@roles_required(Role.HANDLER)
def grant(case_id: str) -> Response:
    """Share the case with another handler (both keys rewrapped to their approved key)."""
    staff, opened = opened_case_or_404(case_id)
    form = GrantForm(prefix="grant")
    form.user_id.choices = None  # any id; the service decides who may receive the case
    form.user_id.validate_choice = False
    if not form.validate_on_submit():
        return invalid_form(case_id)
    try:
        beyond = grant_case(db_session(), server_keys_of(), opened=opened, actor=staff.user,
                            grantee=chosen_user(form.user_id.data),
                            reason=form.reason.data or None, note=form.note.data or "")
    except Refusal as error:
        return refused(error, case_id)
    if beyond:
        flash(_("The case has been shared beyond its company. The reason is recorded and the "
                "reporter has been told in the dialogue."), "success")
    else:
        flash(_("The case has been shared."), "success")
    return back_to_case(case_id)


@roles_required(Role.HANDLER)
def exclude(case_id: str) -> Response:
    """Leave a person out of the case for a conflict of interest; their keys are deleted."""
    staff, opened = opened_case_or_404(case_id)
    form = UserChoiceForm(prefix="exclude")
    holders = case_holder_ids(db_session(), case_id)
    form.user_id.choices = [(user_id, user_id) for user_id in holders]
    if not form.validate_on_submit():
        return invalid_form(case_id)
    excluded = chosen_user(form.user_id.data)
    if excluded.id == staff.user.id and request.form.get(CONFIRM_SELF) != "yes":
        # One click would remove one's own access for good (issue 14 §9): only the
        # confirmation page (`step_aside`) sends the confirmation.
        return refused(Refusal(N_("You cannot leave yourself out of the case by accident: "
                                  "use \"Step aside from this case\" and confirm. Nothing "
                                  "was changed.")), case_id)
    try:
        done = ask_to_exclude(db_session(), settings_of(), server_keys_of(), opened=opened,
                              actor=staff.user, excluded=excluded)
    except Refusal as error:
        return refused(error, case_id)
    if not done:
        flash(_("Another holder of the case must approve leaving %(name)s out. Until then "
                "nothing changes.", name=excluded.name), "success")
        return back_to_case(case_id)
    flash(_("%(name)s can no longer open this case.", name=excluded.name), "success")
    # They have just removed their own access: the case page would be a 404.
    return back_to_list()


@roles_required(Role.HANDLER)
def step_aside(case_id: str) -> str:
    """The confirmation page for leaving oneself out of the case (issue 14 §9): says what
    will happen, then posts to `exclude` with the confirmation. Works without JavaScript."""
    staff, opened = opened_case_or_404(case_id)
    form = UserChoiceForm(prefix="exclude")
    return render_template("admin/cases/confirm_step_aside.html", case=opened.case,
                           form=form, user_id=staff.user.id, confirm_field=CONFIRM_SELF)


@roles_required(Role.HANDLER)
def reinstate(case_id: str) -> Response:
    """Ask to take a person a handler left out back into the case (another holder decides)."""
    staff, opened = opened_case_or_404(case_id)
    form = UserChoiceForm(prefix="reinstate")
    form.user_id.choices = None
    form.user_id.validate_choice = False
    if not form.validate_on_submit():
        return invalid_form(case_id)
    person = chosen_user(form.user_id.data)
    try:
        ask_to_reinstate(db_session(), server_keys_of(), opened=opened, actor=staff.user,
                         person=person)
    except Refusal as error:
        return refused(error, case_id)
    flash(_("Another holder of the case must approve taking %(name)s back in.",
            name=person.name), "success")
    return back_to_case(case_id)


@roles_required(Role.HANDLER)
def decide_request(case_id: str, request_id: str) -> Response:
    """Another holder approves or rejects a request to leave someone out or take them back."""
    staff, opened = opened_case_or_404(case_id)
    form = ApprovalDecisionForm()
    if not form.validate_on_submit():
        return invalid_form(case_id)
    try:
        person = decide(db_session(), settings_of(), server_keys_of(), opened=opened,
                        approver=staff.user, request_id=request_id,
                        kind=ApprovalKind(form.kind.data or ""),
                        approve=form.decision.data == "approve")
    except Refusal as error:
        return refused(error, case_id)
    if person is None:
        flash(_("The request is rejected; nothing changed."), "success")
    elif form.kind.data == ApprovalKind.CASE_EXCLUSION:
        flash(_("%(name)s can no longer open this case.", name=person.name), "success")
    else:
        flash(_("%(name)s is back in the case.", name=person.name), "success")
    return back_to_case(case_id)
