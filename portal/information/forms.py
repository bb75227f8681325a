"""The public form for an information request (Transparency Act §6)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.information.service import MAX_CONTACT, MAX_NAME, MAX_QUESTION
from portal.information.states import ContactKind

GROUP = "group"


class InformationRequestForm(FlaskForm):
    unit = SelectField(_l("Which company are you asking?"),
                       validators=[DataRequired(_l("Choose a company, or the group as a "
                                                   "whole."))])
    question = TextAreaField(
        _l("Your question"),
        validators=[DataRequired(_l("Write your question.")),
                    Length(max=MAX_QUESTION,
                           message=_l("The question is too long (%(max)d characters at most).",
                                      max=MAX_QUESTION))])
    name = StringField(_l("Your name (optional)"),
                       validators=[Optional(), Length(max=MAX_NAME)])
    # Choices are set per request (`contact_choices`), as the report form's are.
    contact_kind = RadioField(
        _l("How should we answer?"),
        default=ContactKind.EMAIL.value,
        validators=[DataRequired(_l("Choose how we should answer: by e-mail or by post."))])
    contact = TextAreaField(
        _l("Your e-mail or postal address"),
        validators=[DataRequired(_l("Give an e-mail or postal address: we answer in "
                                    "writing.")),
                    Length(max=MAX_CONTACT)])


def contact_choices() -> list[tuple[str, str]]:
    return [(ContactKind.EMAIL.value, str(_l("By e-mail"))),
            (ContactKind.POSTAL.value, str(_l("By post")))]
