"""Who may open a case: sharing it with another handler (beyond the case's company and the
group level only with a reason, which the reporter is told of: issue 11 §3), and leaving a
person out of it for a conflict of interest. The services rewrap or delete keys and audit;
the views choose people."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from admin.cases.blueprint import (
    back_to_case,
    back_to_list,
    invalid_form,
    opened_case_or_404,
    page_with_failed_form,
    refused,
)
from admin.cases.forms import ApprovalDecisionForm, GrantForm, UserChoiceForm
from portal.access import roles_required
from portal.cases.access_grants import case_holder_ids, grant_case
from portal.cases.exclusion_requests import ask_to_exclude, ask_to_reinstate, decide
from portal.db import db_session
from portal.extensions import server_keys_of, settings_of
from portal.models import PendingApproval, Role, User
from portal.refusals import N_, Refusal
from portal.states import ApprovalKind

# The field the step-aside confirmation page sends with the handler's own id.
CONFIRM_SELF = "exclude-confirm_self"
# The field the confirmation page of leaving someone else out sends (issue 14 §9).
CONFIRM_OTHER = "exclude-confirm"
# The field the confirmation page of approving that request sends.
CONFIRM_APPROVAL = "confirm"


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
        return page_with_failed_form(staff, opened, form)
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
    if excluded.id != staff.user.id and request.form.get(CONFIRM_OTHER) != "yes":
        # Asked first, on a page of its own that names the person (issue 14 §9).
        return redirect(url_for("cases.confirm_exclude", case_id=case_id,
                                user_id=excluded.id), 303)
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
def confirm_exclude(case_id: str) -> str:
    """The confirmation page for leaving another holder out of the case (issue 14 §9): names
    the person and says what follows, then posts to `exclude` with the confirmation."""
    staff, opened = opened_case_or_404(case_id)
    user_id = request.args.get("user_id", "")
    if user_id == staff.user.id or user_id not in case_holder_ids(db_session(), case_id):
        abort(404)
    return render_template("admin/cases/confirm_exclude.html", case=opened.case,
                           form=UserChoiceForm(prefix="exclude"), person=chosen_user(user_id),
                           confirm_field=CONFIRM_OTHER)


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
def confirm_approval(case_id: str, request_id: str) -> str:
    """The confirmation page for approving a request to leave someone out (issue 14 §9)."""
    _staff, opened = opened_case_or_404(case_id)
    db = db_session()
    asked = db.get(PendingApproval, request_id)
    if (asked is None or asked.case_id != case_id
            or asked.kind != ApprovalKind.CASE_EXCLUSION):
        abort(404)
    return render_template("admin/cases/confirm_approval.html", case=opened.case,
                           form=ApprovalDecisionForm(), request_id=asked.id,
                           person=chosen_user(asked.subject_id),
                           asker=db.get(User, asked.requested_by),
                           confirm_field=CONFIRM_APPROVAL,
                           kind=ApprovalKind.CASE_EXCLUSION.value)


@roles_required(Role.HANDLER)
def decide_request(case_id: str, request_id: str) -> Response:
    """Another holder approves or rejects a request to leave someone out or take them back."""
    staff, opened = opened_case_or_404(case_id)
    form = ApprovalDecisionForm()
    if not form.validate_on_submit():
        return invalid_form(case_id)
    if (form.kind.data == ApprovalKind.CASE_EXCLUSION and form.decision.data == "approve"
            and request.form.get(CONFIRM_APPROVAL) != "yes"):
        # Approving deletes the person's keys: asked first on a page of its own (§9).
        return redirect(url_for("cases.confirm_approval", case_id=case_id,
                                request_id=request_id), 303)
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
