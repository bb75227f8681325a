"""Access control for every staff blueprint (design §2, §4): the signed-in user, role checks
and the certified key directory.

It lives in `portal` (below `supplier_dd` and `admin`) so any package that mounts staff views
can use it. The staff session is a server-side row (`portal.server_sessions`) whose payload is
the user's unlocked private key; the `aktsom_staff` cookie alone, or the row alone, opens nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps
from typing import ParamSpec, TypeVar
from urllib.parse import urlsplit

from flask import Flask, abort, flash, g, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from portal.db import db_session
from portal.extensions import settings_of
from portal.key_directory import is_certified
from portal.models import Role, ServerSession, User
from portal.paths import is_staff_path, same_site_path
from portal.server_sessions import resume_session
from portal.serverkeys import ServerKeys
from portal.staff_drafts import keep_posted_text, set_draft_cookie

STAFF_SESSION_COOKIE = "aktsom_staff"
STAFF_SESSION_KIND = "staff"
LOGIN_ENDPOINT = "auth.login"

# Reachable without a sign-in: the sign-in page and its authenticator set-up step (its
# short-lived state from a right password is the credential), assets, the language switch and
# the one-time first-administrator page (its token is the credential).
PUBLIC_ENDPOINTS = frozenset({LOGIN_ENDPOINT, "auth.enrol_authenticator", "static",
                              "i18n.choose_language", "accounts.setup"})
# What a user whose password was chosen by an admin may still do before replacing it.
PASSWORD_CHANGE_ENDPOINTS = frozenset(
    {"auth.change_password", "auth.logout", "auth.logout_everywhere"}
)

_P = ParamSpec("_P")
_R = TypeVar("_R")


@dataclass(frozen=True)
class StaffContext:
    """The signed-in staff member of this request and their unlocked private key."""

    user: User
    private_key: bytes
    session_lookup: bytes


_EXPIRED_STAFF = "aktsom_expired_staff"


def _remember_expired(row: ServerSession) -> None:
    """Whose session just ran out in this request: what they were sending can be kept for
    them through the sign-in (portal.staff_drafts)."""
    if row.user_id is not None:
        setattr(g, _EXPIRED_STAFF, (row.user_id, row.user_generation))


def _load_staff() -> StaffContext | None:
    settings = settings_of()
    db = db_session()
    opened = resume_session(
        db,
        request.cookies.get(STAFF_SESSION_COOKIE),
        kind=STAFF_SESSION_KIND,
        idle=timedelta(minutes=settings.staff_idle_minutes),
        absolute=timedelta(hours=settings.staff_absolute_hours),
        on_expired=_remember_expired,
    )
    if opened is None:
        return None
    row = opened.row
    user = db.get(User, row.user_id) if row.user_id else None
    if user is None or user.disabled or row.user_generation != user.session_generation:
        # Signed out everywhere, reset or disabled since: the row must not open again.
        db.delete(row)
        return None
    return StaffContext(user=user, private_key=opened.payload, session_lookup=row.lookup)


def current_staff() -> StaffContext | None:
    """The signed-in staff member, loaded once per request (None without a valid session)."""
    if "aktsom_staff" not in g:
        g.aktsom_staff = _load_staff()
    staff: StaffContext | None = g.aktsom_staff
    return staff


def forget_current_staff() -> None:
    """Drop the per-request cache (after signing in or out within the same request)."""
    g.pop("aktsom_staff", None)


def require_staff() -> StaffContext:
    """The signed-in staff member; aborts with 403 if there is none (use behind the guard)."""
    staff = current_staff()
    if staff is None:
        abort(403)
    return staff


def has_any_role(user: User, roles: Iterable[Role]) -> bool:
    """True if `user` holds at least one of `roles`."""
    return any(user.has_role(role) for role in roles)


def can_read_cases(user: User) -> bool:
    """Only handlers and managers see case content; admin and auditor roles never do."""
    return has_any_role(user, (Role.HANDLER, Role.MANAGER))


def _login_redirect() -> Response:
    if request.method == "GET":
        return redirect(url_for(LOGIN_ENDPOINT, next=safe_next_path(request.full_path)))
    # A post cannot be returned to, but the text of a reply or note whose author's session
    # just ended is kept for them, sealed, and put back unsent once they have signed in again
    # (issue 14 audit gap 5; portal.staff_drafts).
    kept = _keep_text_of_expired_session()
    if kept is None:
        return redirect(url_for(LOGIN_ENDPOINT))
    cookie, back = kept
    flash(_("Your session had ended, so this was not sent. Sign in again: what you wrote "
            "will be back in its box, still unsent."), "info")
    response = redirect(url_for(LOGIN_ENDPOINT, next=safe_next_path(back)), code=303)
    set_draft_cookie(response, cookie)
    return response


def _keep_text_of_expired_session() -> tuple[str, str] | None:
    expired: tuple[str, int] | None = g.get(_EXPIRED_STAFF)
    if expired is None:
        return None
    user_id, generation = expired
    user = db_session().get(User, user_id)
    if user is None or user.disabled or user.session_generation != generation:
        return None  # signed out everywhere, reset or disabled meanwhile: nothing is kept
    return keep_posted_text(user_id, generation)


def login_required(view: Callable[_P, _R]) -> Callable[_P, _R | Response]:
    """Redirect to the sign-in page unless a staff member is signed in."""

    @wraps(view)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R | Response:
        if current_staff() is None:
            return _login_redirect()
        return view(*args, **kwargs)

    return wrapper


def roles_required(*roles: Role) -> Callable[[Callable[_P, _R]], Callable[_P, _R | Response]]:
    """Allow the view to users holding at least one of `roles`; 403 for anyone else signed in."""

    def decorate(view: Callable[_P, _R]) -> Callable[_P, _R | Response]:
        @wraps(view)
        def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R | Response:
            staff = current_staff()
            if staff is None:
                return _login_redirect()
            if not has_any_role(staff.user, roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorate


def safe_next_path(target: str | None) -> str | None:
    """`target` if it is a path on the staff side, else None: never an open redirect."""
    target = same_site_path(target)
    if target is None or not is_staff_path(urlsplit(target).path):
        return None
    return target.rstrip("?")


def certified_public_key(user: User, keys: ServerKeys) -> bytes | None:
    """The user's public key if, and only if, its certificate verifies and covers what the
    user's rows claim (portal.key_directory).

    A key planted or swapped by someone who can write to the database has no valid
    certificate (the signing key is outside the database), and roles or units they add as
    rows are not in it, so no case is ever wrapped to such a key. Disabled accounts get no
    new wraps either.
    """
    return user.public_key if is_certified(keys, user) else None


def init_sign_in_guard(app: Flask, public_endpoints: Iterable[str] = PUBLIC_ENDPOINTS) -> None:
    """Require a sign-in for every route of `app` except `public_endpoints`.

    Blueprints mounted later (cases, suppliers, annual account) are covered without having to
    remember a decorator; role checks stay with each view.
    """
    public = frozenset(public_endpoints)

    @app.before_request
    def _require_sign_in() -> ResponseReturnValue | None:
        if request.endpoint in public:
            return None
        staff = current_staff()
        if staff is None:
            return _login_redirect()
        if staff.user.password_change_required and request.endpoint not in (
            PASSWORD_CHANGE_ENDPOINTS
        ):
            return redirect(url_for("auth.change_password"))
        return None

    @app.context_processor
    def _staff_context() -> dict[str, object]:
        staff = current_staff() if request.endpoint not in public else None
        return {"staff": staff, "Role": Role}
