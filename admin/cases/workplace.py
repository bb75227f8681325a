"""The case page's working-environment duties (issue 11 §7(c), (d)): the link of a report of
retaliation to the earlier case, and the task to check a known reporter's working environment
(AML §2A-3(2)). Each POST parses its form, calls one service (which audits) and goes back to
the case page, as `admin.cases.actions` does.
"""

from __future__ import annotations

from typing import Any

from flask import flash
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from admin.cases.blueprint import (
    back_to_case,
    invalid_form,
    opened_case_or_404,
    page_with_failed_form,
    refused,
)
from admin.cases.forms import CHECKED, ActionForm, LinkForm, WorkEnvironmentForm
from portal.access import StaffContext, roles_required
from portal.cases.case_links import link_earlier_case, links_of, unlink
from portal.cases.handling import HandlerCase
from portal.cases.work_environment import (
    check_of,
    open_check,
    open_note,
    record_checked,
    record_not_applicable,
)
from portal.db import db_session, utcnow
from portal.extensions import server_keys_of
from portal.models import Role
from portal.refusals import Refusal
from portal.workplace_states import (
    NOT_APPLICABLE_REASON_LABELS,
    WORK_ENVIRONMENT_STATUS_LABELS,
    WorkEnvironmentStatus,
)


def workplace_context(staff: StaffContext, opened: HandlerCase) -> dict[str, Any]:
    """What the case page shows of this module: the links and the task with their forms."""
    db = db_session()
    check = check_of(db, opened.case.id)
    return {
        "case_links": links_of(db, opened.case.id, staff.user.id),
        "link_form": LinkForm(formdata=None), "workplace_button_form": ActionForm(formdata=None),
        "work_check": check,
        "work_check_note": open_note(opened, check) if check is not None else None,
        "work_check_form": WorkEnvironmentForm(formdata=None),
        "work_status_labels": {status.value: str(label) for status, label
                               in WORK_ENVIRONMENT_STATUS_LABELS.items()},
        "work_reason_labels": {reason.value: str(label) for reason, label
                               in NOT_APPLICABLE_REASON_LABELS.items()},
        "WorkEnvironmentStatus": WorkEnvironmentStatus,
    }


@roles_required(Role.HANDLER)
def link_case(case_id: str) -> Response:
    staff, opened = opened_case_or_404(case_id)
    form = LinkForm()
    if not form.validate_on_submit():
        return page_with_failed_form(staff, opened, form)
    try:
        link_earlier_case(db_session(), server_keys_of(), opened=opened, user=staff.user,
                          private_key=staff.private_key,
                          earlier_case_id=form.earlier_case_id.data or "")
    except Refusal as error:
        return refused(error, case_id)
    flash(_("The cases are linked."), "success")
    return back_to_case(case_id)


@roles_required(Role.HANDLER)
def unlink_case(case_id: str, link_id: str) -> Response:
    staff, opened = opened_case_or_404(case_id)
    if not ActionForm().validate_on_submit():
        return invalid_form(case_id)
    try:
        unlink(db_session(), server_keys_of(), opened=opened, user=staff.user, link_id=link_id)
    except Refusal as error:
        return refused(error, case_id)
    flash(_("The link was removed."), "success")
    return back_to_case(case_id)


@roles_required(Role.HANDLER)
def open_work_environment_check(case_id: str) -> Response:
    """A handler learns who the reporter is (an oral report, a name given later)."""
    staff, opened = opened_case_or_404(case_id)
    if not ActionForm().validate_on_submit():
        return invalid_form(case_id)
    open_check(db_session(), server_keys_of(), opened.case, user=staff.user)
    return back_to_case(case_id)


@roles_required(Role.HANDLER)
def record_work_environment(case_id: str) -> Response:
    staff, opened = opened_case_or_404(case_id)
    form = WorkEnvironmentForm()
    if not form.validate_on_submit():
        return page_with_failed_form(staff, opened, form)
    db, keys, note = db_session(), server_keys_of(), form.note.data or ""
    try:
        if form.result.data == CHECKED:
            record_checked(db, keys, opened=opened, user=staff.user,
                           checked_on=form.checked_on.data or utcnow().date(), note=note)
        else:
            record_not_applicable(db, keys, opened=opened, user=staff.user,
                                  reason=form.reason.data or "", note=note)
    except Refusal as error:
        return refused(error, case_id)
    flash(_("The working-environment check was recorded."), "success")
    return back_to_case(case_id)
