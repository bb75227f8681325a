"""Forms of the relevance and identity sections of the case page (issue 11 §8)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.cases.identity import MAX_AUTHORITY, MAX_NOTE
from portal.states import (
    DISCLOSURE_BASIS_LABELS,
    NOTIFICATION_WITHHELD_LABELS,
    REDACTION_REASON_LABELS,
)

OTHER_AUTHORITY = "other"
TELL = "tell"
WITHHOLD = "withhold"
NOT_CONFIRMED = _l("Tick the confirmation to remove the item. Nothing was changed.")
TELL_MISSING = _l("Choose whether the reporter is told of the disclosure. Nothing was changed.")


def _labels(labels: Any) -> list[tuple[str, str]]:
    return [(code.value, str(label)) for code, label in labels.items()]


class RedactForm(FlaskForm):
    reason = SelectField(_l("Why is it removed?"), validators=[Optional()],
                         choices=lambda: [("", "")] + _labels(REDACTION_REASON_LABELS))
    note = TextAreaField(_l("Note for the handlers (optional, encrypted)"),
                         validators=[Optional(), Length(max=MAX_NOTE)])
    confirm = BooleanField(validators=[InputRequired(NOT_CONFIRMED)])


def _tell_choices() -> list[tuple[str, str]]:
    return [(TELL, _("Yes: send the reporter a message in their language")),
            (WITHHOLD, _("No: telling them would jeopardise the investigation or the "
                         "proceedings (record the reason and a note)"))]


class DisclosureForm(FlaskForm):
    """Disclosing the reporter's identity to an authority (Directive Art. 16(2), (3))."""

    authority = SelectField(_l("Authority"), validators=[Optional()], validate_choice=False)
    authority_other = StringField(_l("Another authority: its name"),
                                  validators=[Optional(), Length(max=MAX_AUTHORITY)])
    legal_basis = SelectField(_l("Legal basis"), validators=[Optional()],
                              choices=lambda: [("", _("Choose…"))]
                              + _labels(DISCLOSURE_BASIS_LABELS))
    disclosed_on = DateField(_l("Date of the disclosure"), validators=[InputRequired()],
                             default=date.today)
    tell_reporter = RadioField(_l("Is the reporter told?"), choices=_tell_choices,
                               validators=[InputRequired(TELL_MISSING)])
    withheld_reason = SelectField(_l("Why the reporter is not told"), validators=[Optional()],
                                  choices=lambda: [("", _("Not needed: the reporter is told"))]
                                  + _labels(NOTIFICATION_WITHHELD_LABELS))
    note = TextAreaField(_l("Note (encrypted; required when the reporter is not told)"),
                         validators=[Optional(), Length(max=MAX_NOTE)])


class TellForm(FlaskForm):
    """Only the CSRF token: tell the reporter of a disclosure now."""


