"""Forms of the user and org-unit administration and of the first-administrator page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.models import Role

_MAX_PASSWORD = 1024

ROLE_NAMES = {
    Role.ADMIN: _l("Administrator"),
    Role.HANDLER: _l("Case handler"),
    Role.MANAGER: _l("Manager"),
    Role.COMPLIANCE: _l("Compliance"),
    Role.AUDITOR: _l("Auditor"),
}
ROLE_LABELS = {
    Role.ADMIN: _l("Administrator: users, roles, org units (no case content)"),
    Role.HANDLER: _l("Case handler: reads and handles the cases of their org units"),
    Role.MANAGER: _l("Manager: decides measures on escalated breaches"),
    Role.COMPLIANCE: _l("Compliance: suppliers, risk assessments, annual account"),
    Role.AUDITOR: _l("Auditor: statistics and the audit log (no case content)"),
}


class CheckboxListField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def role_choices() -> list[tuple[str, str]]:
    """(value, label) for every role, in a stable order, in the request's language."""
    return [(role.value, str(ROLE_LABELS[role])) for role in Role]


class AccessForm(FlaskForm):
    roles = CheckboxListField(_l("Roles"),
                              validators=[DataRequired(_l("Choose at least one role."))])
    units = CheckboxListField(_l("Org units"), validators=[Optional()])


class AccessChangeForm(AccessForm):
    # How many cases the admin was warned the change takes away (admin.accounts.memberships);
    # the change goes ahead only while that is still the number.
    confirmed_loss = HiddenField()


class UserCreateForm(AccessForm):
    email = EmailField(_l("Email address"), validators=[DataRequired(), Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    password = PasswordField(_l("Initial password"),
                             validators=[DataRequired(), Length(max=_MAX_PASSWORD)],
                             render_kw={"autocomplete": "new-password"})


class PasswordResetForm(FlaskForm):
    password = PasswordField(_l("New initial password"),
                             validators=[DataRequired(), Length(max=_MAX_PASSWORD)],
                             render_kw={"autocomplete": "new-password"})
    new_totp = BooleanField(_l("Also make a new authenticator secret (the user lost the device)"))


class UnitForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    country = StringField(_l("Country (two letters, optional)"),
                          validators=[Optional(), Length(min=2, max=2)])


class FirstAdminForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "username"})
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=_MAX_PASSWORD)],
                             render_kw={"autocomplete": "new-password"})
    repeat_password = PasswordField(
        _l("Password again"),
        validators=[DataRequired(), EqualTo("password", _l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"})


class ActionForm(FlaskForm):
    """A form with only the CSRF token, for buttons that change something (approve a key)."""
