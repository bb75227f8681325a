"""Forms of the Transparency Act account (issue 13 §4-§5)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from admin.annual.accounts import MAX_TEXT


def _text(label: str) -> TextAreaField:
    return TextAreaField(label, validators=[Optional(), Length(max=MAX_TEXT)])


class TextsForm(FlaskForm):
    """The three §5 sections, Norwegian first and English beside: `<section>_<language>`."""

    a_nb = _text(_l("Norwegian"))
    a_en = _text(_l("English"))
    b_nb = _text(_l("Norwegian"))
    b_en = _text(_l("English"))
    c_nb = _text(_l("Norwegian"))
    c_en = _text(_l("English"))


class SignatureForm(FlaskForm):
    # Choices are the companies whose boards sign this account, set per account.
    unit = SelectField(_l("Company"), validators=[DataRequired()])
    name = StringField(_l("Name of the board member"),
                       validators=[DataRequired(), Length(max=200)])
    role = StringField(_l("Board role"), validators=[DataRequired(), Length(max=100)])
    signed_on = DateField(_l("Date of signature"), validators=[DataRequired()])
