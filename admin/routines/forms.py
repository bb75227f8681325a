"""The form of a new version of a company's reporting routines."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.routines.services import MAX_ADOPTED_WITH, MAX_BODY, MAX_LABEL


class VersionForm(FlaskForm):
    version_label = StringField(_l("Version"), validators=[DataRequired(),
                                                           Length(max=MAX_LABEL)])
    adopted_on = DateField(_l("Date adopted"), validators=[DataRequired()])
    adopted_with = StringField(_l("Adopted in cooperation with (for example the employee "
                                  "representatives and the safety representative)"),
                               validators=[DataRequired(), Length(max=MAX_ADOPTED_WITH)])
    body = TextAreaField(_l("The company's own text of the routines (optional; empty shows "
                            "the standard text built from the channel's settings)"),
                         validators=[Optional(), Length(max=MAX_BODY)])
