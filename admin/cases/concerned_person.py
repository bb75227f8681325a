"""The case page's task to inform the person concerned (GDPR Art. 14; issue 11 §4): its form,
what the page shows of it, and the POST that records a decision
(`portal.cases.concerned_person`, which audits)."""

from __future__ import annotations

from datetime import UTC, datetime, time

from flask import flash
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from admin.cases.blueprint import (
    back_to_case,
    opened_case_or_404,
    page_with_failed_form,
    refused,
)
from admin.privacy.forms import ConcernedPersonForm, reason_labels, status_labels
from portal.access import roles_required
from portal.cases.concerned_person import record_decision, task_for_handler
from portal.cases.handling import HandlerCase
from portal.db import db_session
from portal.extensions import server_keys_of
from portal.models import Role
from portal.models.concerned_person import ConcernedPersonReason, ConcernedPersonStatus
from portal.refusals import Refusal


def _day(value: object) -> datetime | None:
    if value is None:
        return None
    return datetime.combine(value, time(), tzinfo=UTC)  # type: ignore[arg-type]


def concerned_person_context(opened: HandlerCase) -> dict[str, object]:
    """What the case page's include (`admin/cases/_concerned_person.html`) needs."""
    return {
        "concerned_person": task_for_handler(db_session(), opened),
        "concerned_person_form": ConcernedPersonForm(formdata=None).fill_choices(),
        "concerned_person_labels": {"status": status_labels(), "reason": reason_labels()},
    }


@roles_required(Role.HANDLER)
def concerned_person(case_id: str) -> Response:
    """Record the decision on informing the person concerned."""
    staff, opened = opened_case_or_404(case_id)
    form = ConcernedPersonForm().fill_choices()
    if not form.validate_on_submit():
        return page_with_failed_form(staff, opened, form)
    try:
        record_decision(
            db_session(), server_keys_of(), opened=opened, user=staff.user,
            status=ConcernedPersonStatus(form.status.data),
            reason=ConcernedPersonReason(form.reason.data) if form.reason.data else None,
            informed_on=_day(form.informed_on.data), review_on=_day(form.review_on.data),
            note=form.note.data or "")
    except Refusal as error:
        return refused(error, case_id)
    flash(_("The decision on informing the person concerned has been recorded."), "success")
    return back_to_case(case_id)
