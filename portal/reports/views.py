"""Reporter routes: /report, /followup, /case (design §6). Work with JavaScript off."""

from __future__ import annotations

import hmac
from typing import cast

from flask import (
    Blueprint,
    Flask,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from crypto import InvalidCiphertext
from portal.cases.attachments import (
    Upload,
    UploadNotice,
    UploadRejected,
    attachment_meta,
    check_uploads,
    clean_uploads,
)
from portal.cases.clocks import clocks_of, meeting_pending
from portal.cases.dialogue import add_reporter_message
from portal.cases.identity import record_identity
from portal.cases.minutes import request_meeting
from portal.cases.reading import open_case_view, reporter_language
from portal.cases.sealing import open_attachment, sealed_size
from portal.cases.submission import (
    ChannelNotReady,
    NewReport,
    open_case_with_code,
    submit_report,
)
from portal.cases.tombstones import removed_on
from portal.db import db_session, discard_changes
from portal.downloads import attachment_download
from portal.extensions import server_keys_of, settings_of
from portal.filenames import safe_filename
from portal.hardening import (
    answer_csrf_failures_with_form,
    answer_limits_with_form,
    limit_key,
    not_an_attempt,
)
from portal.i18n import LANGUAGE_COOKIE, set_language_cookie
from portal.models import Attachment, OrgUnit
from portal.refusals import N_, Refusal
from portal.reports import session as reporter_session
from portal.reports.choices import (
    channel_readiness,
    fill_report_choices,
    handlers_left_out,
    report_form_context,
    routing_table,
)
from portal.reports.forms import (
    DONT_KNOW,
    MAX_MESSAGE,
    ConfirmCodeForm,
    FollowupForm,
    LogoutForm,
    MeetingForm,
    MessageForm,
    ReportForm,
)
from portal.states import (
    REPORTER_CLOSING_REASON_LABELS,
    AttachmentVariant,
    KeyKind,
    template_states,
)
from portal.storage import file_store

bp = Blueprint("reports", __name__)
bp.context_processor(template_states)


@bp.app_template_global("reporter_channel_readiness")
def _reporter_channel_readiness() -> object:
    """For the landing page: whether the channel can receive a report (issue 14 §5)."""
    return channel_readiness()

UPLOAD_ERRORS = {
    "too_many": lambda: _("Too many files. You can attach at most %(count)d.",
                          count=settings_of().max_attachments),
    "file_too_large": lambda: _("A file is too large. Each file may be at most %(size)s.",
                                size=_megabytes(settings_of().max_file_bytes)),
    "total_too_large": lambda: _("The files are too large together (%(size)s at most).",
                                 size=_megabytes(settings_of().max_total_upload_bytes)),
}


def _megabytes(size: int) -> str:
    if size < 1024 * 1024:  # "0 MB" would not be true
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.0f} MB"


def _posted_file_names() -> list[str]:
    return [safe_filename(item.filename) for item in request.files.getlist("attachments")
            if item.filename]


def _files_not_kept() -> list[str]:
    """What the reporter must be told when a form comes back: a browser never fills a file
    input in again, so every chosen file is named."""
    names = _posted_file_names()
    if not names:
        return []
    return [_("Nothing was sent, and these files were not kept: %(names)s. Choose them again "
              "before you send.", names=", ".join(names))]


def _over_upload_limit() -> list[str] | None:
    """The errors to show when the files together went past the limit while they were read
    (portal.upload_spool reads on and drops the rest, so the view runs); None if they did not."""
    over = getattr(request, "files_over_limit", [])
    if not over:
        return None
    return [UPLOAD_ERRORS["total_too_large"](),
            _("The limit was reached while reading %(names)s.",
              names=", ".join(safe_filename(name) for name in over)),
            *_files_not_kept()]


def _uploads(files: list[FileStorage]) -> list[Upload]:
    return [
        # The name is the browser's, hence hostile: no controls, bidi overrides or paths.
        Upload(filename=safe_filename(item.filename),
               media_type=item.mimetype or "application/octet-stream",
               stream=item.stream)  # type: ignore[arg-type]
        for item in files if item.filename
    ]


def _report_page(form: ReportForm) -> str:
    """The report form with what it shows around it, built only when it is shown."""
    return render_template("reports/report.html", form=form,
                           **report_form_context(settings_of()))


@bp.route("/report", methods=["GET", "POST"])
def report() -> Response | str | tuple[str, int]:
    settings = settings_of()
    db = db_session()
    form = ReportForm()
    fill_report_choices(form, settings)
    over_limit = _over_upload_limit() if request.method == "POST" else None
    if over_limit is not None:
        form.validate_on_submit()  # show any other problem at the same time
        not_an_attempt()
        form.attachments.errors = over_limit
        return _report_page(form), 413
    if not form.validate_on_submit():
        if form.is_submitted():
            not_an_attempt()
        return _report_page(form)
    uploads = _uploads(request.files.getlist("attachments"))
    try:
        check_uploads(settings, uploads)
    except UploadRejected as rejected:
        form.attachments.errors = [UPLOAD_ERRORS[rejected.reason](), *_files_not_kept()]
        return _report_page(form), 413
    try:
        # Before anything is stored: a file that cannot be cleaned refuses the report.
        clean_uploads(settings, uploads)
    except Refusal as refusal:
        form.attachments.errors = [refusal.translated(), *_files_not_kept()]
        return _report_page(form), 422
    category = next(item for item in settings.categories if item.code == form.category.data)
    unit_id = None if form.unit.data == DONT_KNOW else form.unit.data
    new_report = NewReport(
        category=category.code, human_rights=category.human_rights, unit_id=unit_id,
        description=form.description.data or "", language=str(get_locale()),
        supplier=form.supplier.data or "", location=form.location.data or "",
        period=form.period.data or "", contact=form.contact.data or "",
        meeting_requested=bool(form.meeting.data),
        excluded_user_ids=set(form.exclude.data or []),
        keep_originals=bool(form.keep_originals.data),
    )
    try:
        # The request's routing table, read to fill the form's choices, routes the case too.
        table = routing_table()
        submitted = submit_report(
            db, settings=settings, server_keys=server_keys_of(), store=file_store(),
            report=new_report, uploads=uploads,
            routed=(table.route(unit_id, new_report.excluded_user_ids), table.recovery_key),
        )
    except ChannelNotReady:
        left_out = handlers_left_out(unit_id, new_report.excluded_user_ids)
        if left_out:
            # Not the channel: the reporter's exclusions left nobody (issue 14 §5). Nothing
            # was stored; the form comes back with what was typed.
            not_an_attempt()
            form.exclude.errors = [_(
                "Nothing was sent, because you left out every case handler who could receive "
                "this report. At least one of them must remain: untick one of %(names)s.",
                names=", ".join(user.name for user in left_out))]
            form.attachments.errors = _files_not_kept()
            return _report_page(form), 422
        form.attachments.errors = _files_not_kept()
        flash(_("The channel cannot receive reports right now. Nothing was stored. Please try "
                "again later or report to the authorities."), "error")
        return _report_page(form), 503
    if form.given_name():
        # Sealed apart from the answers, in the same transaction (issue 11 §8).
        record_identity(db, keys=submitted.keys, case=submitted.case, name=form.given_name())
    # Post/redirect/get (issue 14 §1): the code page is a GET page fed by a short-lived,
    # sealed server-side entry stored in this transaction, so a reload or Back never sends the
    # report again. Should the commit fail, the redirect is replaced by an error page
    # (portal.db.init_db) and there is no entry: the code is shown only for a stored case.
    response = redirect(url_for("reports.submitted"), code=303)
    reporter_session.keep_submitted(response, submitted.case, submitted.code,
                                    submitted.notices,
                                    routed_to_group=submitted.case.routed_to_group)
    return response


def _last_group(code: str) -> str:
    return code.rsplit("-", 1)[-1]


def _code_symbols(typed: str) -> str:
    # As the code itself is read (crypto.casecode): any case, spaces and dashes, O, I and L.
    return "".join(typed.split()).replace("-", "").upper().translate(_ALIASES)


_ALIASES = str.maketrans("OIL", "011")


def _render_submitted(page: reporter_session.SubmittedPage, form: ConfirmCodeForm) -> str:
    return render_template("reports/submitted.html", code=page.code, notices=page.notices,
                           routed_to_group=page.routed_to_group, form=form,
                           group_count=len(_last_group(page.code)),
                           code_minutes=settings_of().submitted_code_minutes)


@bp.get("/report/submitted")
def submitted() -> Response | str:
    """The case code page: the same code on every reload, Back or language switch until
    "Done" or `submitted_code_minutes`."""
    page = reporter_session.submitted_page()
    if page is None:
        # Closed with "Done", expired, or another browser: the code is not shown again.
        return render_template("reports/submitted.html", code=None,
                               code_minutes=settings_of().submitted_code_minutes)
    return _render_submitted(page, ConfirmCodeForm())


@bp.post("/report/submitted")
def submitted_done() -> Response:
    """"Done": only once the reporter has typed the code's last group again."""
    page = reporter_session.submitted_page()
    if page is None:
        return redirect(url_for("reports.submitted"), code=303)
    form = ConfirmCodeForm()
    typed = _code_symbols(form.last_group.data or "") if form.validate_on_submit() else ""
    if not typed or not hmac.compare_digest(typed.encode(), _last_group(page.code).encode()):
        # Back to the GET page, so that no POST stays in the history for Back to resend.
        flash(_("That is not the last group of your case code. Check what you wrote down "
                "against the code above."), "error")
        return redirect(url_for("reports.submitted"), code=303)
    response = redirect(url_for("pages.landing"), code=303)
    reporter_session.close_submitted(response)
    flash(_("The case code page is closed. Come back with your case code at any time."),
          "success")
    return response


@bp.route("/followup", methods=["GET", "POST"])
def followup() -> Response | str:
    form = FollowupForm()
    failed = False
    if form.validate_on_submit():
        db = db_session()
        opened = open_case_with_code(db, settings=settings_of(),
                                     server_keys=server_keys_of(),
                                     code=form.case_code.data or "")
        if opened is not None:
            case, keys = opened
            if (form.body.data or "").strip():
                # The message carried through the code (issue 14 §2) goes back into the
                # message box, unsent: the reporter checks it and attaches files again.
                flash(_("Your message has not been sent yet. Check it below and press "
                        "\"Send message\". Choose any files again."), "info")
                context = reporter_session.ReporterContext(case=case, keys=keys)
                response: Response = make_response(_render_case(
                    context, MessageForm(formdata=None, body=form.body.data)))
            else:
                response = redirect(url_for("reports.case"), code=303)
            reporter_session.begin(response, case, keys)
            language = reporter_language(case, keys)
            if LANGUAGE_COOKIE not in request.cookies and language:
                # Back on another device: continue in the language the report was made in.
                set_language_cookie(response, language)
            return response
        failed = True
    elif request.method == "POST":
        not_an_attempt()
        failed = True
    return render_template("reports/followup.html", form=form, failed=failed, dropped=[])


def _require_reporter() -> reporter_session.ReporterContext:
    context = reporter_session.current_reporter()
    if context is None:
        flash(_("Your session has ended. Enter your case code to continue."), "info")
        abort(redirect(url_for("reports.followup"), code=303))
    return context


@bp.get("/case")
def case() -> str:
    context = _require_reporter()
    return _render_case(context, MessageForm(),
                        file_notices=_notice_lines(reporter_session.take_notices(context.case)))


def _what_you_gave(answers: dict[str, object] | None) -> list[tuple[str, str]]:
    """The reporter's own answers, opened with their key, to review on their case page
    (issue 14 §4): shown only to them, never stored in clear."""
    if answers is None:
        return []
    settings = settings_of()
    category = next((_(item.label) for item in settings.categories
                     if item.code == answers.get("category")), "")
    unit_id = answers.get("unit_id")
    unit = db_session().get(OrgUnit, unit_id) if isinstance(unit_id, str) else None
    not_given = _("Not given")

    def text(key: str) -> str:
        value = answers.get(key)
        return value.strip() if isinstance(value, str) and value.strip() else not_given

    return [
        (_("Category"), category or not_given),
        (_("Company"), unit.name if unit is not None else (
            not_given if unit_id else _("I don't know / several companies"))),
        (_("Supplier"), text("supplier")),
        (_("Where"), text("location")),
        (_("When"), text("period")),
        (_("Contact details"), text("contact")),
        (_("Meeting in person"), _("Yes, you asked for a meeting") if answers.get(
            "meeting_requested") else _("Not asked for in the report")),
    ]


def _render_case(context: reporter_session.ReporterContext, form: MessageForm,
                 file_notices: list[str] | None = None) -> str:
    view = open_case_view(db_session(), context.case, context.keys)
    clocks = clocks_of(context.case)
    # During the first visit (the code page not yet closed with "Done" nor expired, in this
    # browser), the case page can show the code again (issue 14 §1).
    first_visit = reporter_session.submitted_page()
    code_again = (first_visit.code if first_visit is not None
                  and first_visit.case_id == context.case.id else None)
    return render_template("reports/case.html", view=view, clocks=clocks, form=form,
                           code_again=code_again, what_you_gave=_what_you_gave(view.answers),
                           code_minutes=settings_of().submitted_code_minutes,
                           logout_form=LogoutForm(), meeting_form=MeetingForm(),
                           meeting_pending=meeting_pending(context.case),
                           closing_reasons=REPORTER_CLOSING_REASON_LABELS,
                           meeting_days=settings_of().meeting_days,
                           strip_metadata=settings_of().strip_metadata,
                           file_notices=file_notices or [])


def _carry_message() -> tuple[str, int]:
    """The session ended while the reporter was writing: ask for the code again with the
    text in the page (never stored), and name the files that must be chosen again."""
    not_an_attempt()
    form = FollowupForm(formdata=None, body=request.form.get("body", "")[:MAX_MESSAGE])
    dropped = [safe_filename(item.filename) for item in request.files.getlist("attachments")
               if item.filename]
    return render_template("reports/followup.html", form=form, failed=False, carried=True,
                           dropped=dropped), 401


@bp.post("/case/messages")
def case_message() -> Response | str | tuple[str, int]:
    context = reporter_session.current_reporter()
    if context is None:
        return _carry_message()
    settings = settings_of()
    db = db_session()
    form = MessageForm()
    over_limit = _over_upload_limit()
    if over_limit is not None:
        not_an_attempt()
        form.attachments.errors = over_limit
        return _render_case(context, form), 413
    uploads = _uploads(request.files.getlist("attachments"))
    if not form.validate_on_submit():
        not_an_attempt()
        return _render_case(context, form), 400
    if not (form.body.data or "").strip() and not uploads:
        not_an_attempt()
        form.body.errors = [_("Write a message or attach a file.")]
        return _render_case(context, form), 400
    try:
        check_uploads(settings, uploads)
    except UploadRejected as rejected:
        form.attachments.errors = [UPLOAD_ERRORS[rejected.reason](), *_files_not_kept()]
        return _render_case(context, form), 413
    try:
        clean_uploads(settings, uploads)
    except Refusal as refusal:
        form.attachments.errors = [refusal.translated(), *_files_not_kept()]
        return _render_case(context, form), 422
    notices = add_reporter_message(
        db, settings=settings, server_keys=server_keys_of(), store=file_store(),
        case=context.case, keys=context.keys, body=form.body.data or "",
        uploads=uploads, keep_originals=bool(form.keep_originals.data),
    )
    flash(_("Your message has been sent."), "success")
    response = redirect(url_for("reports.case"), code=303)
    # What happened to each file is kept server-side, not flashed: Flask's session cookie is
    # signed, not encrypted, and would carry the file names in clear.
    reporter_session.keep_notices(response, context.case, notices)
    return response


def _notice_lines(notices: list[UploadNotice]) -> list[str]:
    """One line per file of the message just sent, in the page's language."""
    lines = []
    for notice in notices:
        if notice.removed and notice.original_kept:
            lines.append(_("%(name)s: removed %(items)s from the copy we show. As you asked, "
                           "the original file, with that information, was also kept for the "
                           "case handlers.", name=notice.filename,
                           items=", ".join(_(item) for item in notice.removed)))
        elif notice.removed:
            lines.append(_("%(name)s: removed %(items)s.", name=notice.filename,
                           items=", ".join(_(item) for item in notice.removed)))
        elif notice.unhandled:
            lines.append(_("%(name)s: we could not check this type of file for hidden "
                           "information such as author names.", name=notice.filename))
        elif notice.original_kept:
            lines.append(_("%(name)s: we checked it and found no hidden information to "
                           "remove. As you asked, the original file was also kept for the "
                           "case handlers.", name=notice.filename))
        else:
            lines.append(_("%(name)s: we checked it and found no hidden information to "
                           "remove.", name=notice.filename))
    return lines


@bp.post("/case/meeting")
def case_meeting() -> Response:
    """The reporter asks for a meeting (Art. 9(2)); its clock starts (issue 11 §1)."""
    context = _require_reporter()
    if not MeetingForm().validate_on_submit():
        abort(400)
    try:
        request_meeting(db_session(), settings_of(), server_keys_of(), case=context.case)
    except Refusal as refusal:
        discard_changes()
        flash(refusal.translated(), "info")
        return redirect(url_for("reports.case"), code=303)
    flash(_("You have asked for a meeting. A case handler will propose a time and place "
            "here."), "success")
    return redirect(url_for("reports.case"), code=303)


@bp.get("/case/attachments/<attachment_id>")
def case_attachment(attachment_id: str) -> Response:
    context = _require_reporter()
    db = db_session()
    attachment = db.scalar(select(Attachment).where(
        Attachment.id == attachment_id, Attachment.case_id == context.case.id,
        Attachment.key_kind == KeyKind.CASE, Attachment.variant == AttachmentVariant.CLEAN))
    if attachment is None:
        abort(404)
    key = context.keys.key(KeyKind.CASE, attachment.key_generation)
    if key is None:
        return make_response(render_template("reports/damaged.html"), 409)
    try:
        meta = attachment_meta(key, attachment)
    except InvalidCiphertext:
        return make_response(render_template("reports/damaged.html"), 409)
    if removed_on(meta) is not None:
        abort(404)  # removed as irrelevant: its bytes are gone (issue 11 §8)
    try:
        content = open_attachment(file_store(), key, attachment,
                                  size=sealed_size(meta, attachment), meta=meta)
    except (InvalidCiphertext, FileNotFoundError):
        return make_response(render_template("reports/damaged.html"), 409)
    # Cleaned again: a name stored before names were cleaned must not make a 500 of it.
    return attachment_download(content, safe_filename(str(meta.get("name") or ""),
                                                      fallback="attachment"))


@bp.post("/case/logout")
def case_logout() -> Response:
    form = LogoutForm()
    if not form.validate_on_submit():
        abort(400)
    response = redirect(url_for("pages.landing"), code=303)
    reporter_session.finish(response)
    flash(_("You have logged out. Come back with your case code at any time."), "success")
    return response


_SLOWED_DOWN = N_("Too many attempts in a short time, so this has not been sent yet. Wait a "
                  "few minutes, then send again: what you wrote is still below.")


def _report_limited() -> tuple[str, int]:
    """The report form again, filled in from the post, when the rate limit refuses it."""
    form = ReportForm()
    fill_report_choices(form, settings_of())
    flash(_(_SLOWED_DOWN), "error")
    form.attachments.errors = _files_not_kept()
    return _report_page(form), 429


def _message_limited() -> tuple[str, int]:
    context = reporter_session.current_reporter()
    if context is None:
        return _carry_message()
    form = MessageForm()
    flash(_(_SLOWED_DOWN), "error")
    form.attachments.errors = _files_not_kept()
    return _render_case(context, form), 429


def _followup_limited() -> tuple[str, int]:
    """The code form again, with a carried message still in it (never the code typed)."""
    form = FollowupForm(formdata=None, body=request.form.get("body", "")[:MAX_MESSAGE])
    flash(_(_SLOWED_DOWN), "error")
    return render_template("reports/followup.html", form=form, failed=False, dropped=[]), 429


_FORM_EXPIRED = N_("This form had expired; check your text and send it again.")


def _report_expired() -> tuple[str, int]:
    """The report form again, filled in from a post that failed its CSRF check (older than
    REPORTER_FORM_LIFETIME, or its session cookie lost), with a fresh token. Nothing of the
    post is stored; the files are named, since a browser never fills a file input in again."""
    form = ReportForm()
    fill_report_choices(form, settings_of())
    flash(_(_FORM_EXPIRED), "error")
    form.attachments.errors = _files_not_kept()
    return _report_page(form), 400


def _message_expired() -> tuple[str, int]:
    context = reporter_session.current_reporter()
    if context is None:
        return _carry_message()  # the session ended too: the code first, the text kept
    form = MessageForm()
    flash(_(_FORM_EXPIRED), "error")
    form.attachments.errors = _files_not_kept()
    return _render_case(context, form), 400


def _followup_expired() -> tuple[str, int]:
    """The code form again, with a carried message still in it (never the code typed)."""
    form = FollowupForm(formdata=None, body=request.form.get("body", "")[:MAX_MESSAGE])
    flash(_(_FORM_EXPIRED), "error")
    return render_template("reports/followup.html", form=form, failed=False, dropped=[]), 400


def _typed_code() -> str | None:
    """Wrong codes are limited per case look-up (issue 14 §6): the code as the look-up reads
    it (hashed by portal.hardening before the limiter stores it), never per address."""
    typed = _code_symbols(request.form.get("case_code", ""))
    return f"code:{typed}" if typed else None


def _reporter_session() -> str | None:
    """Messages are limited per reporter session (its cookie, hashed), not per address."""
    cookie = request.cookies.get(reporter_session.COOKIE)
    return f"session:{cookie}" if cookie else None


def _form_session() -> str | None:
    """A new report: per browser session (the CSRF token of its form, hashed). A client that
    drops its cookies gets a new one; the global slowdown is what holds a flood back."""
    token = session.get("csrf_token")
    return f"form:{token}" if token else None


@bp.record_once
def _answer_limits_with_forms(state: BlueprintSetupState) -> None:
    app = cast(Flask, state.app)
    limit_key(app, "reports.followup", _typed_code)
    limit_key(app, "reports.case_message", _reporter_session)
    limit_key(app, "reports.report", _form_session)
    answer_limits_with_form(app, "reports.followup", _followup_limited)
    answer_limits_with_form(app, "reports.report", _report_limited)
    answer_limits_with_form(app, "reports.case_message", _message_limited)
    answer_csrf_failures_with_form(app, "reports.report", _report_expired)
    answer_csrf_failures_with_form(app, "reports.case_message", _message_expired)
    answer_csrf_failures_with_form(app, "reports.followup", _followup_expired)
