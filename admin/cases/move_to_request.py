"""A channel case filed in the wrong place (issue 13 §1): a question about the company's due
diligence sent through the whistleblowing form. A handler holding the case moves it to the
information requests (`portal.information.service.move_case_to_request`); the case is closed
with its own reason and the reporter is told in the case dialogue."""

from __future__ import annotations

from flask import flash
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from admin.cases.blueprint import back_to_case, invalid_form, opened_case_or_404, refused
from admin.cases.forms import ActionForm
from portal.access import roles_required
from portal.db import db_session, discard_changes
from portal.extensions import server_keys_of, settings_of
from portal.information.service import ChannelNotReady, move_case_to_request
from portal.models import Role
from portal.refusals import Refusal


@roles_required(Role.HANDLER)
def move_to_request(case_id: str) -> Response:
    staff, opened = opened_case_or_404(case_id)
    if not ActionForm().validate_on_submit():
        return invalid_form(case_id)
    try:
        request = move_case_to_request(db_session(), server_keys_of(), settings_of(),
                                       opened=opened, user=staff.user)
    except Refusal as error:
        return refused(error, case_id)
    except ChannelNotReady:
        discard_changes()
        flash(_("No compliance officer can receive information requests yet. Nothing was "
                "changed."), "error")
        return back_to_case(case_id)
    flash(_("The case is now information request %(reference)s and has been closed; the "
            "reporter has been told.", reference=request.reference), "success")
    return back_to_case(case_id)
