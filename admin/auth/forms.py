"""Sign-in and own-account forms. Field names `email`, `password`, `totp` are the interface
contract (design §6)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

# Long enough for any real password and far below what would make Argon2 a DoS lever.
_MAX_PASSWORD = 1024


class LoginForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "username", "spellcheck": "false"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=_MAX_PASSWORD)],
                             render_kw={"autocomplete": "current-password"})
    # Optional here: without it a right password gets the form back asking for the code.
    totp = StringField(_l("Code from your authenticator app"), validators=[Length(max=10)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric",
                                  "pattern": "[0-9 ]*"})


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=_MAX_PASSWORD)],
        render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(max=_MAX_PASSWORD)],
        render_kw={"autocomplete": "new-password"})
    repeat_password = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("new_password", _l("The two new passwords differ."))],
        render_kw={"autocomplete": "new-password"})
    # Ticked on the page by default; a post without it keeps the key pair. Ignored (always a
    # new pair) when an administrator chose the current password.
    new_key_pair = BooleanField(_l("Also make a new key pair"), default=True)


class ConfirmPasswordForm(FlaskForm):
    password = PasswordField(_l("Your password"),
                             validators=[DataRequired(), Length(max=_MAX_PASSWORD)],
                             render_kw={"autocomplete": "current-password"})


class EnrolmentForm(FlaskForm):
    """The first code from the authenticator app just set up: it proves the scan worked."""

    totp = StringField(_l("Code from your authenticator app"),
                       validators=[DataRequired(), Length(max=10)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric",
                                  "pattern": "[0-9 ]*"})
