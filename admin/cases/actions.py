"""What a handler does to a case: each POST parses its form, calls one service (which audits)
and goes back to the case page. CSRF is checked for every one of them (CSRFProtect)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time
from typing import TypeVar

from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from admin.cases.blueprint import (
    back_to_case,
    opened_case_or_404,
    page_with_failed_form,
    refused,
)
from admin.cases.forms import (
    REPLY_FEEDBACK,
    ActionForm,
    LegalHoldForm,
    MeetingMinutesForm,
    NoteForm,
    OutcomeForm,
    ReplyForm,
    StatusForm,
    SupplierForm,
)
from portal.access import StaffContext, roles_required
from portal.cases.handling import (
    HandlerCase,
    acknowledge,
    acknowledgement_text,
    add_internal_note,
    allowed_statuses,
    change_status,
    link_supplier,
    record_outcome,
    reply_to_reporter,
)
from portal.cases.legal_holds import place_legal_hold, release_legal_hold
from portal.cases.minutes import record_meeting_minutes
from portal.cases.reading import reporter_language
from portal.db import db_session
from portal.extensions import server_keys_of, settings_of
from portal.models import Role
from portal.refusals import N_, Refusal
from portal.states import CLOSING_REASON_LABELS, CaseStatus, ClosingReason, Outcome
from supplier_dd.register import supplier_names

FormT = TypeVar("FormT", bound=FlaskForm)


def _act(case_id: str, form: Callable[[HandlerCase], FormT],
         run: Callable[[StaffContext, HandlerCase, FormT], str]) -> Response:
    """Open the case for the signed-in handler (404 if they cannot), validate the form made
    for it, run the service and say what happened; a refusal changes nothing."""
    staff, opened = opened_case_or_404(case_id)
    filled = form(opened)
    if not filled.validate_on_submit():
        return page_with_failed_form(staff, opened, filled)
    try:
        done = run(staff, opened, filled)
    except Refusal as error:
        return refused(error, case_id)
    flash(done, "success")
    return back_to_case(case_id)


def _plain(form_class: type[FormT]) -> Callable[[HandlerCase], FormT]:
    return lambda _opened: form_class()


@roles_required(Role.HANDLER)
def reply(case_id: str) -> Response:
    """A reply the reporter reads with their case code (design §6: field `body`)."""
    def run(staff: StaffContext, opened: HandlerCase, form: ReplyForm) -> str:
        reply_to_reporter(db_session(), server_keys_of(), opened=opened, user=staff.user,
                          body=form.body.data or "",
                          is_feedback=form.is_feedback.data == REPLY_FEEDBACK)
        return str(_("Your reply has been sent to the reporter."))
    return _act(case_id, _plain(ReplyForm), run)


@roles_required(Role.HANDLER)
def note(case_id: str) -> Response:
    """An internal note, sealed under the staff key: the reporter can never read it."""
    def run(staff: StaffContext, opened: HandlerCase, form: NoteForm) -> str:
        add_internal_note(db_session(), server_keys_of(), opened=opened, user=staff.user,
                          body=form.body.data or "")
        return str(_("The internal note has been saved."))
    return _act(case_id, _plain(NoteForm), run)


@roles_required(Role.HANDLER)
def acknowledge_case(case_id: str) -> Response:
    """Acknowledge receipt: the standard message goes out in the reporter's language."""
    def run(staff: StaffContext, opened: HandlerCase, _form: ActionForm) -> str:
        settings = settings_of()
        language = reporter_language(opened.case, opened.keys) or settings.default_language
        acknowledge(db_session(), server_keys_of(), settings, opened=opened, user=staff.user,
                    text=acknowledgement_text(language, settings))
        return str(_("The reporter has been sent the acknowledgement of receipt."))
    return _act(case_id, _plain(ActionForm), run)


def _status_form(opened: HandlerCase) -> StatusForm:
    form = StatusForm()
    form.status.choices = [(code, code) for code in allowed_statuses(opened.case)]
    return form


# Sent only by the confirmation page of closing (issue 14 §9).
CONFIRM = "confirm"


@roles_required(Role.HANDLER)
def confirm_close(case_id: str) -> str:
    """The page that says what closing does before it is done (issue 14 §9): a plain form
    posting the status again with the confirmation, so it works without JavaScript."""
    _staff, opened = opened_case_or_404(case_id)
    reason = request.args.get("closing_reason", "")
    reason = reason if reason in set(ClosingReason) else ""
    return render_template("admin/cases/confirm_close.html", case=opened.case,
                           form=StatusForm(), closing_reason=reason,
                           reason_label=CLOSING_REASON_LABELS.get(ClosingReason(reason))
                           if reason else None,
                           confirm_field=CONFIRM)


@roles_required(Role.HANDLER)
def status(case_id: str) -> Response:
    if (request.form.get("status") == CaseStatus.CLOSED
            and request.form.get(CONFIRM) != "yes"):
        # Closing asks first, on a page of its own; nothing changes until it is confirmed.
        opened_case_or_404(case_id)
        return redirect(url_for("cases.confirm_close", case_id=case_id,
                                closing_reason=request.form.get("closing_reason", "")), 303)
    def run(staff: StaffContext, opened: HandlerCase, form: StatusForm) -> str:
        change_status(db_session(), server_keys_of(), case=opened.case, user=staff.user,
                      status=form.status.data,
                      closing_reason=form.closing_reason.data or None)
        return str(_("The status has been changed."))
    return _act(case_id, _status_form, run)


def _outcome_form(_opened: HandlerCase) -> OutcomeForm:
    form = OutcomeForm()
    form.outcome.choices = [("", "")] + [(code, code) for code in Outcome]
    return form


@roles_required(Role.HANDLER)
def outcome(case_id: str) -> Response:
    def run(staff: StaffContext, opened: HandlerCase, form: OutcomeForm) -> str:
        breach = {"yes": True, "no": False}.get(form.human_rights_breach.data)
        record_outcome(db_session(), server_keys_of(), case=opened.case, user=staff.user,
                       outcome=form.outcome.data or None, human_rights_breach=breach)
        return str(_("The outcome has been recorded."))
    return _act(case_id, _outcome_form, run)


@roles_required(Role.HANDLER)
def supplier(case_id: str) -> Response:
    def run(staff: StaffContext, opened: HandlerCase, form: SupplierForm) -> str:
        db = db_session()
        chosen = (form.supplier_id.data or "").strip() or None
        # The picker offers the register only; a forged or stale id is refused here, on the
        # admin side, since `portal` cannot know the register (issue 12 §7).
        if chosen is not None and chosen not in dict(supplier_names(db)):
            raise Refusal(N_("There is no such supplier in the register. Choose the supplier "
                             "from the list."))
        link_supplier(db, server_keys_of(), case=opened.case, user=staff.user,
                      supplier_id=chosen)
        return str(_("The supplier link has been saved."))
    return _act(case_id, _plain(SupplierForm), run)


@roles_required(Role.HANDLER)
def confirm_release(case_id: str) -> str:
    """The page that says what releasing the legal hold does before it is done (issue 14
    §9). Placing or renewing a hold destroys nothing and is not asked again: its form holds
    a note that is sealed, which must not travel in a confirmation page's URL."""
    _staff, opened = opened_case_or_404(case_id)
    return render_template("admin/cases/confirm_release.html", case=opened.case,
                           form=LegalHoldForm(), confirm_field=CONFIRM)


@roles_required(Role.HANDLER)
def legal_hold(case_id: str) -> Response:
    """Hold the case from the retention purge, or release it (after the confirmation)."""
    if request.form.get("hold") == "0" and request.form.get(CONFIRM) != "yes":
        opened_case_or_404(case_id)
        return redirect(url_for("cases.confirm_release", case_id=case_id), 303)
    def run(staff: StaffContext, opened: HandlerCase, form: LegalHoldForm) -> str:
        if form.hold.data != "1":
            release_legal_hold(db_session(), server_keys_of(), case=opened.case,
                               user=staff.user)
            return str(_("The legal hold has been released."))
        review = form.review_at.data
        if review is None:
            raise Refusal(N_("Choose a review date for the legal hold."))
        hold = place_legal_hold(
            db_session(), server_keys_of(), settings_of(), opened=opened, user=staff.user,
            reason=form.reason.data or "", note=form.note.data or "",
            review_at=datetime.combine(review, time.min, tzinfo=UTC))
        return str(_("The case is under legal hold until %(date)s; it will not be purged "
                     "before then unless the hold is released.",
                     date=format_date(hold.review_at)))
    return _act(case_id, _plain(LegalHoldForm), run)


@roles_required(Role.HANDLER)
def meeting_minutes(case_id: str) -> Response:
    """The minutes of the meeting the reporter asked for; holding it stops its clock."""
    def run(staff: StaffContext, opened: HandlerCase, form: MeetingMinutesForm) -> str:
        record_meeting_minutes(db_session(), server_keys_of(), case=opened.case,
                               keys=opened.keys, user=staff.user,
                               minutes=form.minutes.data or "")
        return str(_("The minutes have been saved; the reporter can read and confirm them."))
    return _act(case_id, _plain(MeetingMinutesForm), run)
