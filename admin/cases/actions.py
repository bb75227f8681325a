"""What a handler does to a case: each POST parses its form, calls one service (which audits)
and goes back to the case page. CSRF is checked for every one of them (CSRFProtect)."""

from __future__ import annotations

from flask import flash
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from admin.cases.blueprint import back_to_case, bp, invalid_form, opened_case_or_404, refused
from admin.cases.forms import (
    ActionForm,
    LegalHoldForm,
    NoteForm,
    OutcomeForm,
    ReplyForm,
    StatusForm,
    SupplierForm,
)
from portal.access import roles_required
from portal.cases.handling import (
    OUTCOMES,
    CaseActionError,
    acknowledge,
    acknowledgement_text,
    add_internal_note,
    allowed_statuses,
    change_status,
    link_supplier,
    record_outcome,
    reply_to_reporter,
    set_legal_hold,
)
from portal.db import db_session
from portal.extensions import server_keys_of, settings_of
from portal.models import Role


@bp.post("/cases/<case_id>/messages")
@roles_required(Role.HANDLER)
def reply(case_id: str) -> Response:
    """A reply the reporter reads with their case code (design §6: field `body`)."""
    staff, opened = opened_case_or_404(case_id)
    form = ReplyForm()
    if not form.validate_on_submit():
        return invalid_form(case_id)
    try:
        reply_to_reporter(db_session(), server_keys_of(), opened=opened, user=staff.user,
                          body=form.body.data or "", is_feedback=bool(form.is_feedback.data))
    except CaseActionError as error:
        return refused(error, case_id)
    flash(_("Your reply has been sent to the reporter."), "success")
    return back_to_case(case_id)


@bp.post("/cases/<case_id>/notes")
@roles_required(Role.HANDLER)
def note(case_id: str) -> Response:
    """An internal note, sealed under the staff key: the reporter can never read it."""
    staff, opened = opened_case_or_404(case_id)
    form = NoteForm()
    if not form.validate_on_submit():
        return invalid_form(case_id)
    try:
        add_internal_note(db_session(), server_keys_of(), opened=opened, user=staff.user,
                          body=form.body.data or "")
    except CaseActionError as error:
        return refused(error, case_id)
    flash(_("The internal note has been saved."), "success")
    return back_to_case(case_id)


@bp.post("/cases/<case_id>/acknowledge")
@roles_required(Role.HANDLER)
def acknowledge_case(case_id: str) -> Response:
    """Acknowledge receipt: the standard message goes out in the reporter's language."""
    staff, opened = opened_case_or_404(case_id)
    if not ActionForm().validate_on_submit():
        return invalid_form(case_id)
    settings = settings_of()
    try:
        acknowledge(db_session(), server_keys_of(), settings, opened=opened, user=staff.user,
                    text=acknowledgement_text(opened.case.language, settings))
    except CaseActionError as error:
        return refused(error, case_id)
    flash(_("The reporter has been sent the acknowledgement of receipt."), "success")
    return back_to_case(case_id)


@bp.post("/cases/<case_id>/status")
@roles_required(Role.HANDLER)
def status(case_id: str) -> Response:
    staff, opened = opened_case_or_404(case_id)
    form = StatusForm()
    form.status.choices = [(code, code) for code in allowed_statuses(opened.case)]
    if not form.validate_on_submit():
        return invalid_form(case_id)
    try:
        change_status(db_session(), server_keys_of(), case=opened.case, user=staff.user,
                      status=form.status.data)
    except CaseActionError as error:
        return refused(error, case_id)
    flash(_("The status has been changed."), "success")
    return back_to_case(case_id)


@bp.post("/cases/<case_id>/outcome")
@roles_required(Role.HANDLER)
def outcome(case_id: str) -> Response:
    staff, opened = opened_case_or_404(case_id)
    form = OutcomeForm()
    form.outcome.choices = [("", "")] + [(code, code) for code in OUTCOMES]
    if not form.validate_on_submit():
        return invalid_form(case_id)
    breach = {"yes": True, "no": False}.get(form.human_rights_breach.data)
    try:
        record_outcome(db_session(), server_keys_of(), case=opened.case, user=staff.user,
                       outcome=form.outcome.data or None, human_rights_breach=breach)
    except CaseActionError as error:
        return refused(error, case_id)
    flash(_("The outcome has been recorded."), "success")
    return back_to_case(case_id)


@bp.post("/cases/<case_id>/supplier")
@roles_required(Role.HANDLER)
def supplier(case_id: str) -> Response:
    staff, opened = opened_case_or_404(case_id)
    form = SupplierForm()
    if not form.validate_on_submit():
        return invalid_form(case_id)
    try:
        link_supplier(db_session(), server_keys_of(), case=opened.case, user=staff.user,
                      supplier_id=form.supplier_id.data)
    except CaseActionError as error:
        return refused(error, case_id)
    flash(_("The supplier link has been saved."), "success")
    return back_to_case(case_id)


@bp.post("/cases/<case_id>/legal-hold")
@roles_required(Role.HANDLER)
def legal_hold(case_id: str) -> Response:
    """Hold the case from the retention purge, or release it."""
    staff, opened = opened_case_or_404(case_id)
    form = LegalHoldForm()
    if not form.validate_on_submit():
        return invalid_form(case_id)
    hold = form.hold.data == "1"
    set_legal_hold(db_session(), server_keys_of(), case=opened.case, user=staff.user,
                   hold=hold)
    flash(_("The case is under legal hold and will not be purged.") if hold
          else _("The legal hold has been released."), "success")
    return back_to_case(case_id)
