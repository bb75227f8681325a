"""Sign-in, sign-out and the signed-in user's own account pages."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask import session as cookie_session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from admin.accounts.forms import ROLE_NAMES
from admin.accounts.passwords import verify_password
from admin.accounts.services import audit, change_password, sign_out_everywhere
from admin.accounts.totp import enrolment, open_totp_secret
from admin.auth.enrolment import (
    ENROLMENT_COOKIE,
    ENROLMENT_LIFETIME,
    EnrolmentOutcome,
    begin_enrolment,
    confirm_enrolment,
    resume_enrolment,
)
from admin.auth.forms import ConfirmPasswordForm, EnrolmentForm, LoginForm, PasswordChangeForm
from admin.auth.services import SignInStatus, authenticate, start_staff_session
from admin.auth.start import start_page
from crypto import UserKeyPair, public_key_fingerprint
from portal.access import (
    STAFF_SESSION_COOKIE,
    certified_public_key,
    forget_current_staff,
    require_staff,
    safe_next_path,
)
from portal.audit import Actor
from portal.db import db_session, discard_changes, utcnow
from portal.extensions import server_keys_of, settings_of
from portal.models import User
from portal.paths import STAFF_PREFIX
from portal.refusals import Refusal
from portal.server_sessions import end_session
from portal.staff_menu import MenuEntry, declare_menu
from portal.states import ActorKind, AuditAction

bp = Blueprint("auth", __name__)
# Every signed-in user: their own account, and signing out (a POST, never a link).
declare_menu(bp, [
    MenuEntry("auth.account", _l("My account"), order=900),
    MenuEntry("auth.logout", _l("Sign out"), order=1000, method="post"),
])


def _set_staff_cookie(response: Response, value: str) -> Response:
    response.set_cookie(
        STAFF_SESSION_COOKIE,
        value,
        httponly=True,
        samesite="Strict",
        secure=bool(settings_of().cookie_secure),
        path=STAFF_PREFIX,
    )
    return response


def _clear_staff_cookie(response: Response) -> Response:
    response.delete_cookie(STAFF_SESSION_COOKIE, path=STAFF_PREFIX, httponly=True,
                           secure=bool(settings_of().cookie_secure), samesite="Strict")
    return response


def _begin(user: User, private_key: bytes, target: str) -> Response:
    """Start a fresh session: any earlier one of this browser ends, the CSRF secret is new."""
    db = db_session()
    end_session(db, request.cookies.get(STAFF_SESSION_COOKIE))
    cookie_session.clear()
    forget_current_staff()
    value = start_staff_session(db, user, private_key)
    return _set_staff_cookie(redirect(target, code=303), value)


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    """One form: email, password and code. A right password without a code asks for it."""
    form = LoginForm()
    error = None
    asking_for_code = False
    if form.validate_on_submit():
        settings = settings_of()
        result = authenticate(
            db_session(), costs=settings.argon2, keys=server_keys_of(),
            email=form.email.data or "", password=form.password.data or "",
            code=form.totp.data or "",
            now=utcnow(), settings=settings,
        )
        if result.user is not None and result.private_key is not None:
            if result.status is SignInStatus.NEED_ENROLMENT:
                return _start_enrolment(result.user, result.private_key)
            target = (safe_next_path(request.args.get("next"))
                      or start_page(result.user))
            return _begin(result.user, result.private_key, target)
        if result.status is SignInStatus.NEED_CODE:
            asking_for_code = True
        else:
            error = _("Sign-in failed. Check the email address, the password and the code, "
                      "or wait a few minutes and try again.")
    form.totp.data = ""
    # 200 even on failure: the failure count must be committed with the request.
    return render_template("admin/auth/login.html", form=form, error=error,
                           asking_for_code=asking_for_code)


def _start_enrolment(user: User, private_key: bytes) -> Response:
    """The password was right but the account has no authenticator: set one up first."""
    db = db_session()
    end_session(db, request.cookies.get(ENROLMENT_COOKIE))
    value = begin_enrolment(db, user, private_key)
    response = redirect(url_for("auth.enrol_authenticator"), code=303)
    response.set_cookie(
        ENROLMENT_COOKIE, value, max_age=int(ENROLMENT_LIFETIME.total_seconds()),
        httponly=True, samesite="Strict", secure=bool(settings_of().cookie_secure),
        path=STAFF_PREFIX,
    )
    return response


def _clear_enrolment_cookie(response: Response) -> Response:
    response.delete_cookie(ENROLMENT_COOKIE, path=STAFF_PREFIX, httponly=True,
                           secure=bool(settings_of().cookie_secure), samesite="Strict")
    return response


@bp.route("/login/authenticator", methods=["GET", "POST"], endpoint="enrol_authenticator")
def enrol_authenticator() -> str | Response:
    """The holder's own authenticator set-up, reachable only within the sign-in attempt that
    gave the right password (finding 14); a valid code completes the sign-in."""
    db = db_session()
    cookie = request.cookies.get(ENROLMENT_COOKIE)
    pending = resume_enrolment(db, cookie, utcnow())
    if pending is None:
        flash(_("The authenticator set-up has ended. Sign in again."), "error")
        return _clear_enrolment_cookie(redirect(url_for("auth.login"), code=303))
    form = EnrolmentForm()
    error = None
    if form.validate_on_submit():
        outcome = confirm_enrolment(db, server_keys_of(), pending, form.totp.data or "",
                                    utcnow())
        if outcome is EnrolmentOutcome.ENROLLED:
            response = _begin(pending.user, pending.private_key, start_page(pending.user))
            flash(_("Your authenticator app is set up."), "success")
            return _clear_enrolment_cookie(response)
        if outcome is EnrolmentOutcome.ENDED:
            flash(_("The authenticator set-up has ended. Sign in again."), "error")
            return _clear_enrolment_cookie(redirect(url_for("auth.login"), code=303))
        error = _("The code is not correct. Check the time on your phone and enter the "
                  "current code.")
    form.totp.data = ""
    # 200 even on a wrong code: the failure count must be committed with the request.
    return render_template(
        "admin/auth/enrol.html", form=form, error=error,
        enrolment=enrolment(pending.secret, pending.user.email,
                            settings_of().organisation_name))


@bp.post("/logout")
def logout() -> Response:
    """End this browser's session server-side; the cookie opens nothing afterwards."""
    db = db_session()
    staff = require_staff()
    audit(db, server_keys_of(), Actor(ActorKind.USER, staff.user.id), AuditAction.SIGNED_OUT,
          staff.user)
    end_session(db, request.cookies.get(STAFF_SESSION_COOKIE))
    cookie_session.clear()
    flash(_("You are signed out."), "success")
    return _clear_staff_cookie(redirect(url_for("auth.login"), code=303))


@bp.post("/logout-everywhere")
def logout_everywhere() -> Response:
    """End every session of the user, on every device."""
    db = db_session()
    staff = require_staff()
    sign_out_everywhere(db, staff.user)
    audit(db, server_keys_of(), Actor(ActorKind.USER, staff.user.id),
          AuditAction.SIGNED_OUT_EVERYWHERE, staff.user)
    cookie_session.clear()
    flash(_("You are signed out on every device."), "success")
    return _clear_staff_cookie(redirect(url_for("auth.login"), code=303))


@bp.get("/account")
def account() -> str:
    """The user's own account: roles, units, key fingerprint and certification.

    The fingerprint is that of the private key this session holds, not of the stored public
    key (finding 2): it is what an administrator compares before approving the key, and a
    key replaced in the database shows as not matching.
    """
    staff = require_staff()
    own_public_key = UserKeyPair.from_private_bytes(staff.private_key).public_bytes
    return render_template(
        "admin/auth/account.html",
        user=staff.user,
        fingerprint=public_key_fingerprint(own_public_key),
        key_matches=own_public_key == staff.user.public_key,
        certified=certified_public_key(staff.user, server_keys_of()) is not None,
        role_names=ROLE_NAMES,
    )


@bp.route("/account/password", methods=["GET", "POST"], endpoint="change_password")
def change_password_view() -> str | Response:
    """Change the own password, with a new key pair (always after an administrator chose the
    password; on request otherwise, the box ticked by default); other sessions end."""
    staff = require_staff()
    form = PasswordChangeForm()
    error = None
    if form.validate_on_submit():
        db = db_session()
        try:
            private_key = change_password(
                db, staff.user, costs=settings_of().argon2, keys=server_keys_of(),
                old_password=form.current_password.data or "",
                new_password=form.new_password.data or "",
                new_key_pair=bool(form.new_key_pair.data))
        except Refusal as refused:
            discard_changes()
            error = refused.translated()
        else:
            response = _begin(staff.user, private_key, url_for("auth.account"))
            flash(_("Your password is changed. Other devices are signed out."), "success")
            return response
    return render_template("admin/auth/password.html", form=form, error=error,
                           required=staff.user.password_change_required)


@bp.route("/account/totp", methods=["GET", "POST"])
def show_totp() -> str:
    """Show the authenticator set-up again (to add a device), after the password is confirmed:
    a session alone must not be enough to copy the second factor."""
    staff = require_staff()
    form = ConfirmPasswordForm()
    error = None
    if form.validate_on_submit():
        settings = settings_of()
        if verify_password(settings.argon2, staff.user, form.password.data or "",
                           pepper=server_keys_of().password_pepper) and (
                staff.user.sealed_totp_secret is not None):
            secret = open_totp_secret(server_keys_of(), staff.user.id,
                                      staff.user.sealed_totp_secret)
            return render_template("admin/auth/totp.html", form=None,
                                   enrolment=enrolment(secret, staff.user.email,
                                                       settings.organisation_name))
        error = _("The password is not correct.")
    return render_template("admin/auth/totp.html", form=form, error=error, enrolment=None)

