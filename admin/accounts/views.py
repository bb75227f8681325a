"""User and org-unit administration (admin role only) and the one-time first-administrator page.

Admins manage accounts but never see case content: nothing here reads a case.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.wrappers import Response

from admin.accounts.forms import (
    ROLE_NAMES,
    AccessChangeForm,
    AccessForm,
    ActionForm,
    FirstAdminForm,
    PasswordResetForm,
    UnitForm,
    UserCreateForm,
    role_choices,
)
from admin.accounts.key_pairs import certify_user_key
from admin.accounts.memberships import access_lost
from admin.accounts.services import (
    create_user_to_enrol,
    key_status,
    set_disabled,
    set_roles_and_units,
)
from admin.accounts.services import reset_password as reset_user_password
from admin.accounts.setup import create_first_admin, find_setup_token
from admin.accounts.totp import enrolment
from crypto import public_key_fingerprint
from portal.access import require_staff, roles_required
from portal.approvals import pending
from portal.audit import Actor
from portal.db import db_session, discard_changes
from portal.extensions import server_keys_of, settings_of
from portal.key_directory import has_key_proof
from portal.models import OrgUnit, Role, User
from portal.outside_records import setup_is_done
from portal.refusals import Refusal
from portal.staff_menu import MenuEntry, declare_menu
from portal.states import ActorKind, ApprovalKind
from portal.units import create_unit

bp = Blueprint("accounts", __name__)
declare_menu(bp, [
    MenuEntry("accounts.users", _l("Users"), roles=(Role.ADMIN,), order=400),
    MenuEntry("accounts.units", _l("Org units"), roles=(Role.ADMIN,), order=410),
])


def _actor() -> Actor:
    return Actor(ActorKind.USER, require_staff().user.id)


def _enrolment(secret: bytes, email: str) -> dict[str, str]:
    return enrolment(secret, email, settings_of().organisation_name)


def _refusal(error: Refusal) -> str:
    # The page is answered with 200: roll back whatever the service did before refusing.
    discard_changes()
    return error.translated()


def _user_or_404(user_id: str) -> User:
    user = db_session().get(User, user_id)
    if user is None:
        abort(404)
    return user


def _units() -> list[OrgUnit]:
    return list(db_session().scalars(select(OrgUnit).order_by(OrgUnit.code)))


def _access_choices(form: AccessForm) -> None:
    form.roles.choices = role_choices()
    form.units.choices = [(unit.id, f"{unit.code} · {unit.name}") for unit in _units()]


@bp.get("/users")
@roles_required(Role.ADMIN)
def users() -> str:
    """Every account with its roles, units and key status."""
    rows = list(db_session().scalars(select(User).order_by(User.email)))
    codes = {unit.id: unit.code for unit in _units()}
    keys = server_keys_of()
    return render_template("admin/accounts/users.html", users=rows, codes=codes,
                           key_status=lambda user: key_status(user, keys),
                           role_names=ROLE_NAMES)


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_user() -> str | Response:
    """Create an account. No authenticator is set up here: the administrator chose the
    password, so the holder sets up their own at the first sign-in (finding 14)."""
    form = UserCreateForm()
    _access_choices(form)
    error = None
    if form.validate_on_submit():
        db = db_session()
        try:
            units = [db.get(OrgUnit, unit_id) for unit_id in form.units.data or []]
            created = create_user_to_enrol(
                db, costs=settings_of().argon2, keys=server_keys_of(),
                email=form.email.data or "", name=form.name.data or "",
                password=form.password.data or "",
                roles=[Role(value) for value in form.roles.data or []],
                units=[unit for unit in units if unit is not None], actor=_actor(),
            )
        except Refusal as refused:
            error = _refusal(refused)
        else:
            return render_template("admin/accounts/created.html", user=created)
    return render_template("admin/accounts/new.html", form=form, error=error)


@bp.route("/users/<user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_user(user_id: str) -> str | Response:
    """Roles and org units of one account, plus its other actions.

    Taking an org unit away also takes the user's keys to its cases, so a change that would
    do so is shown with the number of cases first and made only once that is confirmed.
    """
    user = _user_or_404(user_id)
    form = AccessChangeForm()
    _access_choices(form)
    error = None
    if form.validate_on_submit():
        loss = access_lost(db_session(), user, form.units.data or [])
        if loss.cases and form.confirmed_loss.data != str(loss.cases):
            return render_template("admin/accounts/confirm_units.html", user=user, form=form,
                                   loss=loss)
        try:
            set_roles_and_units(db_session(), user, server_keys_of(), _actor(),
                                roles=[Role(value) for value in form.roles.data or []],
                                unit_ids=form.units.data or [],
                                withdraw_confirmed=loss.cases > 0)
        except Refusal as refused:
            error = _refusal(refused)
        else:
            flash(_("The roles and org units are saved."), "success")
            return redirect(url_for("accounts.edit_user", user_id=user.id), code=303)
    elif not form.is_submitted():
        form.roles.data = [item.role.value for item in user.roles]
        form.units.data = sorted(user.unit_ids)
    awaiting = bool(pending(db_session(), ApprovalKind.KEY_AUTHORITY, subject_id=user.id))
    return render_template("admin/accounts/edit.html", user=user, form=form, error=error,
                           key_status=key_status(user, server_keys_of()),
                           awaiting_approval=awaiting)


def _set_disabled(user_id: str, *, disabled: bool) -> Response:
    user = _user_or_404(user_id)
    if ActionForm().validate_on_submit():
        try:
            set_disabled(db_session(), user, server_keys_of(), _actor(), disabled=disabled)
        except Refusal as refused:
            flash(_refusal(refused), "error")
        else:
            flash(_("The account is disabled and signed out everywhere.") if disabled
                  else _("The account is enabled again."), "success")
    return redirect(url_for("accounts.edit_user", user_id=user.id), code=303)


@bp.post("/users/<user_id>/disable")
@roles_required(Role.ADMIN)
def disable_user(user_id: str) -> Response:
    """Disable an account: it cannot sign in and receives no new case keys."""
    return _set_disabled(user_id, disabled=True)


@bp.post("/users/<user_id>/enable")
@roles_required(Role.ADMIN)
def enable_user(user_id: str) -> Response:
    """Enable a disabled account again."""
    return _set_disabled(user_id, disabled=False)


@bp.route("/users/<user_id>/reset", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def reset_password(user_id: str) -> str | Response:
    """Set a new password: a new key pair, old case wraps become unusable (audited)."""
    user = _user_or_404(user_id)
    form = PasswordResetForm()
    error = None
    if form.validate_on_submit():
        try:
            reset_user_password(
                db_session(), user, costs=settings_of().argon2, keys=server_keys_of(),
                new_password=form.password.data or "", actor=_actor(),
                new_totp=bool(form.new_totp.data), settings=settings_of(),
            )
        except Refusal as refused:
            error = _refusal(refused)
        else:
            # A new authenticator is set up by its holder at the next sign-in (finding 14).
            return render_template("admin/accounts/reset_done.html", user=user,
                                   new_totp=bool(form.new_totp.data))
    return render_template("admin/accounts/reset.html", user=user, form=form, error=error)


@bp.route("/users/<user_id>/approve", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def approve_user(user_id: str) -> str | Response:
    """Certify the user's key for their roles and units after comparing its fingerprint with
    the one their own session shows.

    Only a key its holder has shown to be theirs is offered (finding 2): a fingerprint is
    shown only with a possession tag, which a database writer cannot make.
    """
    user = _user_or_404(user_id)
    keys = server_keys_of()
    form = ActionForm()
    error = None
    if form.validate_on_submit():
        try:
            certified = certify_user_key(db_session(), user, keys, _actor())
        except Refusal as refused:
            error = _refusal(refused)
        else:
            flash(_("The key is approved: cases can be shared with this user.") if certified
                  else _("Your approval is recorded. A second administrator must confirm it "
                         "on the Approvals page before cases are shared with this user."),
                  "success")
            return redirect(url_for("accounts.edit_user", user_id=user.id), code=303)
    proven = has_key_proof(keys, user)
    codes = {unit.id: unit.code for unit in _units()}
    return render_template("admin/accounts/approve.html", user=user, form=form, error=error,
                           fingerprint=public_key_fingerprint(user.public_key) if proven
                           else None,
                           unit_codes=sorted(codes.get(unit, "?") for unit in user.unit_ids),
                           role_names=ROLE_NAMES, key_status=key_status(user, keys))


@bp.route("/units", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def units() -> str | Response:
    """The org units (companies of the group), and a form to add one."""
    form = UnitForm()
    error = None
    if form.validate_on_submit():
        try:
            create_unit(db_session(), server_keys_of(), _actor(), code=form.code.data or "",
                        name=form.name.data or "", country=form.country.data)
        except Refusal as refused:
            error = _refusal(refused)
        else:
            flash(_("The org unit is created."), "success")
            return redirect(url_for("accounts.units"), code=303)
    return render_template("admin/accounts/units.html", units=_units(), form=form, error=error)


@bp.route("/setup/<token>", methods=["GET", "POST"])
def setup(token: str) -> str:
    """The first administrator, made through the one-time link `aktsom serve` printed."""
    if setup_is_done(settings_of()):
        abort(404)
    db = db_session()
    row = find_setup_token(db, server_keys_of(), token)
    if row is None:
        abort(404)
    form = FirstAdminForm()
    error = None
    if form.validate_on_submit():
        try:
            created = create_first_admin(
                db, row, costs=settings_of().argon2, keys=server_keys_of(),
                email=form.email.data or "", name=form.name.data or "",
                password=form.password.data or "",
            )
        except Refusal as refused:
            error = _refusal(refused)
        else:
            return render_template("admin/accounts/setup_done.html", user=created.user,
                                   enrolment=_enrolment(created.totp_secret, created.user.email))
    return render_template("admin/accounts/setup.html", form=form, error=error)

