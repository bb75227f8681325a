"""The retention page's form: blank fields go back to the organisation's defaults."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import NumberRange, Optional


class RetentionForm(FlaskForm):
    days = IntegerField(_l("Days after closing (blank: the default)"),
                        validators=[Optional(), NumberRange(min=1)])
    unfounded_days = IntegerField(_l("Days after closing for cases closed as unfounded "
                                     "(blank: the default)"),
                                  validators=[Optional(), NumberRange(min=1)])
