"""Forms of the information-request register."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Optional

from portal.information.states import REFUSAL_GROUND_LABELS


class AnswerForm(FlaskForm):
    text = TextAreaField(_l("The answer"), validators=[DataRequired(_l("Write the answer."))])


class ExtendForm(FlaskForm):
    until = DateField(_l("Answer no later than"),
                      validators=[DataRequired(_l("Give the date of the answer."))])
    reason = TextAreaField(
        _l("Why answering within three weeks would be disproportionately burdensome"),
        validators=[DataRequired(_l("Say why: the requester must be told."))])


class RefuseForm(FlaskForm):
    # Choices are set per request (`ground_choices`), as the other forms' are.
    ground = SelectField(_l("Legal ground"), validators=[DataRequired()])
    explanation = TextAreaField(_l("Explanation to the requester (optional)"),
                                validators=[Optional()])


def refuse_form() -> RefuseForm:
    form = RefuseForm()
    form.ground.choices = [(ground.value, label)
                           for ground, label in REFUSAL_GROUND_LABELS.items()]
    return form
