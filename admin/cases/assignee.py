"""The case's assignee on the case page (issue 14 §8): who has taken it on, set or cleared
by a POST with the CSRF token. Only a handler who can open the case is offered or accepted
(portal.cases.assignees)."""

from __future__ import annotations

from flask import flash
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from admin.cases.blueprint import back_to_case, opened_case_or_404, refused
from admin.cases.forms import AssigneeForm
from portal.access import StaffContext, roles_required
from portal.cases.access_grants import case_holder_ids
from portal.cases.assignees import NOT_A_READER, assignee_id, set_assignee
from portal.cases.handling import HandlerCase
from portal.db import db_session, utcnow
from portal.extensions import server_keys_of
from portal.models import CaseExclusion, Role, User
from portal.refusals import Refusal


def _candidates(case_id: str) -> list[User]:
    """Active handlers holding the case key and not left out of it, by name."""
    db = db_session()
    holders = set(case_holder_ids(db, case_id))
    left_out = set(db.scalars(select(CaseExclusion.user_id)
                              .where(CaseExclusion.case_id == case_id)))
    if not holders:
        return []
    users = db.scalars(select(User).where(User.id.in_(holders - left_out))
                       .order_by(User.name, User.id))
    return [user for user in users if not user.disabled and user.has_role(Role.HANDLER)]


def _choices(form: AssigneeForm) -> list[tuple[str, str]]:
    return [(str(choice[0]), str(choice[1])) for choice in form.user_id.choices or []]


def _form(case_id: str, current: str | None, staff: StaffContext) -> AssigneeForm:
    form = AssigneeForm(prefix="assignee", data={"user_id": current or ""})
    form.user_id.choices = [("", _("Nobody"))] + [
        (user.id, _("%(name)s (you)", name=user.name) if user.id == staff.user.id
         else user.name) for user in _candidates(case_id)]
    return form


def assignee_context(staff: StaffContext, opened: HandlerCase) -> dict[str, object]:
    """For the case page's `_assignee.html`."""
    current = assignee_id(db_session(), opened.case.id)
    form = _form(opened.case.id, current, staff)
    names = {value: label for value, label in _choices(form)}
    return {"assignee_form": form, "assignee_name": names.get(current) if current else None}


@roles_required(Role.HANDLER)
def assign(case_id: str) -> Response:
    """Set or clear the assignee."""
    staff, opened = opened_case_or_404(case_id)
    db = db_session()
    form = _form(opened.case.id, assignee_id(db, opened.case.id), staff)
    # The choices are the handlers who may be it now: anyone else is refused, not ignored.
    # (A post without the CSRF token never gets here: portal.hardening answers it with 400.)
    if not form.validate_on_submit():
        return refused(Refusal(NOT_A_READER), case_id)
    chosen = form.user_id.data or ""
    assignee = db.get(User, chosen) if chosen else None
    try:
        set_assignee(db, server_keys_of().audit, case_id=opened.case.id, actor=staff.user,
                     assignee=assignee, now=utcnow())
    except Refusal as error:
        return refused(error, case_id)
    flash(_("The case is assigned to %(name)s.", name=assignee.name) if assignee
          else _("The case is assigned to nobody."), "success")
    return back_to_case(case_id)
