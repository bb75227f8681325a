"""The cases blueprint and what its views share: opening a case for the signed-in handler,
and answering a refused action.

A case the user holds no working key for is a 404, the same as a case that does not exist,
so a URL tells nobody whether a case is there (issue 5 §2).
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import Blueprint, abort, flash, make_response, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from portal.access import StaffContext, require_staff
from portal.cases.handling import HandlerCase, open_for_handler
from portal.db import db_session, discard_changes
from portal.models import Role
from portal.refusals import Refusal
from portal.staff_menu import MenuEntry, declare_menu
from portal.states import template_states

bp = Blueprint("cases", __name__)
bp.context_processor(template_states)
declare_menu(bp, [
    MenuEntry("cases.case_list", _l("Cases"), roles=(Role.HANDLER, Role.MANAGER), order=100),
])


def opened_case_or_404(case_id: str) -> tuple[StaffContext, HandlerCase]:
    """The signed-in handler and the case opened with their key; 404 if they cannot open it."""
    staff = require_staff()
    if not staff.user.has_role(Role.HANDLER):
        abort(404)
    opened = open_for_handler(db_session(), case_id, staff.user, staff.private_key)
    if opened is None:
        abort(404)
    return staff, opened


def back_to_case(case_id: str) -> Response:
    """Post/redirect/get back to the case page."""
    return redirect(url_for("cases.case_page", case_id=case_id), code=303)


def back_to_list() -> Response:
    return redirect(url_for("cases.case_list"), code=303)


def refused(error: Refusal, case_id: str) -> Response:
    """Show why an action was refused. Services refuse before changing anything; should one
    not, its changes are still rolled back although the answer is a redirect."""
    discard_changes()
    flash(error.translated(), "error")
    return back_to_case(case_id)


def page_with_failed_form(staff: StaffContext, opened: HandlerCase,
                          failed: FlaskForm) -> Response:
    """Answer a case-page form that failed validation with the case page itself (422): the
    form filled in as sent, its group open, each error beside its field (issue 14 §9).
    Nothing typed is kept in a session or a URL."""
    # The page's module imports the views that call this one: imported when first needed.
    from admin.cases.page import handler_page

    flash(_("The form was not filled in correctly. Nothing was changed."), "error")
    return make_response(handler_page(staff, opened, failed=failed), 422)


def invalid_form(case_id: str, reasons: Sequence[str] = ()) -> Response:
    """A form that did not validate (CSRF failures never get this far: they are a 400);
    `reasons` are clear, already translated messages saying what was missing."""
    flash(_("The form was not filled in correctly. Nothing was changed."), "error")
    for reason in reasons:
        flash(reason, "error")
    return back_to_case(case_id)
