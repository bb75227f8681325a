"""Views of the relevance and identity sections of the case page (issue 11 §8), and the
page context they need; the routes are in `admin/cases/routes.py`."""

from __future__ import annotations

from flask import abort, flash, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from admin.cases.blueprint import (
    back_to_case,
    invalid_form,
    opened_case_or_404,
    page_with_failed_form,
    refused,
)
from admin.cases.relevance.forms import (
    NOT_CONFIRMED,
    OTHER_AUTHORITY,
    TELL,
    DisclosureForm,
    RedactForm,
    TellForm,
)
from config import Settings
from portal.access import roles_required
from portal.cases.handling import HandlerCase
from portal.cases.identity import (
    disclosures_of,
    identity_of,
    record_disclosure,
    tell_reporter_of_disclosure,
)
from portal.cases.redaction import (
    feedback_message_ids,
    redact_attachment,
    redact_message,
    redaction_records,
)
from portal.db import db_session, utcnow
from portal.extensions import server_keys_of, settings_of
from portal.models import Role, User
from portal.refusals import Refusal
from portal.states import (
    DISCLOSURE_BASIS_LABELS,
    NOTIFICATION_WITHHELD_LABELS,
    REDACTION_REASON_LABELS,
    MessageKind,
    RedactedItem,
)
from portal.storage import file_store


def _authority_choices(settings: Settings) -> list[tuple[str, str]]:
    return ([("", _("Choose…"))]
            + [(str(index), f"{item.name} ({item.country})")
               for index, item in enumerate(settings.authorities)]
            + [(OTHER_AUTHORITY, _("Another authority (write its name below)"))])


def _chosen_authority(form: DisclosureForm, settings: Settings) -> str:
    choice = form.authority.data or ""
    if choice == OTHER_AUTHORITY:
        return form.authority_other.data or ""
    if choice.isdigit() and int(choice) < len(settings.authorities):
        item = settings.authorities[int(choice)]
        return f"{item.name} ({item.country})"
    return ""


def relevance_context(opened: HandlerCase) -> dict[str, object]:
    """What the case page's relevance and identity sections need."""
    db = db_session()
    settings = settings_of()
    disclosure_form = DisclosureForm(formdata=None)
    disclosure_form.authority.choices = _authority_choices(settings)
    redactions = redaction_records(db, opened)
    disclosures = disclosures_of(db, opened)
    people = ({record.redacted_by for record in redactions.values()}
              | {item.row.recorded_by for item in disclosures}) - {None}
    return {
        "relevance_names": {user_id: name for user_id, name in db.execute(
            select(User.id, User.name).where(User.id.in_(sorted(people))))} if people else {},
        "redactions": redactions,
        "redaction_reasons": {code: str(label) for code, label in REDACTION_REASON_LABELS.items()},
        "redactable_kinds": (MessageKind.MESSAGE, MessageKind.NOTE),
        "kept_message_ids": feedback_message_ids(db, opened.case.id),
        "identity": identity_of(db, opened),
        "disclosures": disclosures,
        "disclosure_form": disclosure_form,
        "disclosure_bases": DISCLOSURE_BASIS_LABELS,
        "withheld_reasons": NOTIFICATION_WITHHELD_LABELS,
        "tell_form": TellForm(formdata=None),
    }


# The field the confirmation page of a removal sends.
CONFIRM_DESTRUCTION = "confirmed"


@roles_required(Role.HANDLER)
def redact_item(case_id: str, item_kind: str, item_id: str) -> Response | str:
    """Remove a manifestly irrelevant message or file of the case (Art. 17)."""
    if item_kind not in set(RedactedItem):
        abort(404)
    staff, opened = opened_case_or_404(case_id)
    form = RedactForm()
    if not form.validate_on_submit():
        return invalid_form(case_id, [str(error) for error in form.confirm.errors
                                      if str(error) == str(NOT_CONFIRMED)])
    reason_label = {reason.value: label for reason, label
                    in REDACTION_REASON_LABELS.items()}.get(form.reason.data or "")
    if reason_label is not None and request.form.get(CONFIRM_DESTRUCTION) != "yes":
        # Destroying is asked once more on a page of its own (issue 14 §9). It answers this
        # POST, so the sealed note travels in the page's form, never in a URL. (Without a
        # reason the service refuses below, and nothing is destroyed.)
        return render_template("admin/cases/confirm_redaction.html", case=opened.case,
                               item_kind=item_kind, item_id=item_id, form=form,
                               reason_label=reason_label, confirm_field=CONFIRM_DESTRUCTION)
    db, keys = db_session(), server_keys_of()
    try:
        if item_kind == RedactedItem.MESSAGE:
            redact_message(db, keys, opened=opened, user=staff.user, message_id=item_id,
                           reason=form.reason.data, note=form.note.data or "")
        else:
            redact_attachment(db, keys, file_store(), opened=opened, user=staff.user,
                              attachment_id=item_id, reason=form.reason.data,
                              note=form.note.data or "")
    except Refusal as error:
        return refused(error, case_id)
    flash(_("The item has been removed and its content destroyed."), "success")
    return back_to_case(case_id)


@roles_required(Role.HANDLER)
def disclose_identity(case_id: str) -> Response:
    """Record the disclosure of the reporter's identity to an authority (Art. 16(2))."""
    staff, opened = opened_case_or_404(case_id)
    settings = settings_of()
    form = DisclosureForm()
    form.authority.choices = _authority_choices(settings)
    if not form.validate_on_submit() or form.disclosed_on.data is None:
        return page_with_failed_form(staff, opened, form)
    try:
        record_disclosure(db_session(), server_keys_of(), settings, opened=opened,
                          user=staff.user, authority=_chosen_authority(form, settings),
                          basis=form.legal_basis.data or None,
                          disclosed_on=form.disclosed_on.data,
                          tell_reporter=form.tell_reporter.data == TELL,
                          withheld_reason=form.withheld_reason.data or None,
                          note=form.note.data or "", now=utcnow())
    except Refusal as error:
        return refused(error, case_id)
    flash(_("The disclosure has been recorded.") if form.tell_reporter.data != TELL
          else _("The disclosure has been recorded and the reporter has been told."), "success")
    return back_to_case(case_id)


@roles_required(Role.HANDLER)
def tell_of_disclosure(case_id: str, disclosure_id: str) -> Response:
    """Tell the reporter of a disclosure they were not told of, now that it may be said."""
    staff, opened = opened_case_or_404(case_id)
    if not TellForm().validate_on_submit():
        return invalid_form(case_id)
    try:
        tell_reporter_of_disclosure(db_session(), server_keys_of(), settings_of(),
                                    opened=opened, user=staff.user,
                                    disclosure_id=disclosure_id)
    except Refusal as error:
        return refused(error, case_id)
    flash(_("The reporter has been told of the disclosure."), "success")
    return back_to_case(case_id)
