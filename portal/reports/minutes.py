"""The reporter checks the minutes of an oral report or meeting and confirms them, or asks
for a correction (Directive 2019/1937 Art. 18(2)-(4)), with their case code's session."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import RadioField, TextAreaField
from wtforms.validators import AnyOf, Length, Optional

from portal.cases.minutes import answer_minutes, find_minutes
from portal.cases.reading import is_intact_for_reporter
from portal.db import db_session
from portal.extensions import server_keys_of, settings_of
from portal.reports.forms import MAX_MESSAGE
from portal.reports.session import current_reporter

bp = Blueprint("minutes", __name__)


class MinutesAnswerForm(FlaskForm):  # type: ignore[misc]
    # The partial posts the value in a hidden field; the choices only validate it.
    action = RadioField(_l("Are the minutes accurate?"),
                        choices=lambda: [("confirm", "confirm"), ("correct", "correct")],
                        validators=[AnyOf(["confirm", "correct"])])
    correction = TextAreaField(_l("What should be corrected?"),
                               validators=[Optional(), Length(max=MAX_MESSAGE)])


@bp.post("/case/minutes/<message_id>/confirm")
def confirm(message_id: str) -> Response:
    """Record the reporter's answer to the minutes as a message of their own."""
    context = current_reporter()
    if context is None:
        flash(_("Your session has ended. Enter your case code to continue."), "info")
        return redirect(url_for("reports.followup"), code=303)
    db = db_session()
    minutes = find_minutes(db, context.case, message_id)
    if minutes is None or not is_intact_for_reporter(db, context.case, context.keys,
                                                     minutes.id):
        abort(404)
    form = MinutesAnswerForm()
    valid = form.validate_on_submit()
    correction = (form.correction.data or "").strip()
    if not valid or (form.action.data == "correct" and not correction):
        flash(_("Choose whether the minutes are accurate; to ask for a correction, say what "
                "should be corrected."), "error")
        return redirect(url_for("reports.case"), code=303)
    confirmed = form.action.data == "confirm"
    day = format_date(minutes.created_at)
    text = (_("I confirm that the minutes of %(date)s are accurate.", date=day) if confirmed
            else _("I ask for a correction of the minutes of %(date)s: %(correction)s",
                   date=day, correction=correction))
    answer_minutes(db, settings_of(), server_keys_of(), case=context.case,
                   keys=context.keys, minutes=minutes, text=text, confirmed=confirmed)
    flash(_("Thank you. The case handlers have received your answer.") if confirmed
          else _("Thank you. The case handlers have received your correction."), "success")
    return redirect(url_for("reports.case"), code=303)
