"""The audit page's filter form (issue 14 §11)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional

PAGE_SIZES = (25, 50, 100, 200)


class AuditFilterForm(FlaskForm):
    """A GET form: it changes nothing, so no CSRF token."""

    class Meta:
        csrf = False

    case = StringField(_l("Case reference"), validators=[Optional(), Length(max=60)])
    user = SelectField(_l("Who acted"), validators=[Optional()], validate_choice=False)
    since = DateField(_l("From (date)"), validators=[Optional()])
    until = DateField(_l("To (date)"), validators=[Optional()])
    # Choices are set by the view, like every SelectField here.
    per_page = SelectField(_l("Events per page"), validators=[Optional()])
