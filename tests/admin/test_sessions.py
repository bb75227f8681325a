"""Staff sessions: idle and absolute timeouts, sign-out, sign-out everywhere, disabled users."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from config import Settings
from portal.db import session_factory, utcnow
from portal.models import Role, ServerSession, User
from tests.admin.helpers import csrf_token, make_user, sign_in


def signed_in(app: Flask, client: FlaskClient) -> User:
    user, password, secret = make_user(app, roles=[Role.HANDLER], units=["NORDIC"])
    assert sign_in(client, user.email, password, secret).status_code == 303
    assert client.get("/admin/account").status_code == 200
    return user


def age_sessions(app: Flask, **values: object) -> None:
    with session_factory(app)() as db:
        db.execute(update(ServerSession).values(**values))
        db.commit()


def session_count(app: Flask) -> int:
    with session_factory(app)() as db:
        return int(db.scalar(select(func.count()).select_from(ServerSession)) or 0)


def post(client: FlaskClient, path: str) -> int:
    token = csrf_token(client, "/admin/account")
    return client.post(path, data={"csrf_token": token}).status_code


def test_idle_timeout(admin_app: Flask, admin_client: FlaskClient, settings: Settings) -> None:
    signed_in(admin_app, admin_client)
    idle = timedelta(minutes=settings.staff_idle_minutes)
    age_sessions(admin_app, last_seen_at=utcnow() - idle + timedelta(seconds=30))
    assert admin_client.get("/admin/account").status_code == 200  # activity renews it
    age_sessions(admin_app, last_seen_at=utcnow() - idle - timedelta(seconds=1))
    response = admin_client.get("/admin/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login")
    assert session_count(admin_app) == 0  # expired rows are deleted, key and all


def test_absolute_timeout(admin_app: Flask, admin_client: FlaskClient,
                          settings: Settings) -> None:
    signed_in(admin_app, admin_client)
    absolute = timedelta(hours=settings.staff_absolute_hours)
    age_sessions(admin_app, created_at=utcnow() - absolute + timedelta(minutes=1))
    assert admin_client.get("/admin/account").status_code == 200
    age_sessions(admin_app, created_at=utcnow() - absolute - timedelta(seconds=1))
    assert admin_client.get("/admin/account").status_code == 302
    assert session_count(admin_app) == 0


def test_logout_ends_the_session_server_side(admin_app: Flask,
                                             admin_client: FlaskClient) -> None:
    signed_in(admin_app, admin_client)
    cookie = admin_client.get_cookie("aktsom_staff", path="/admin")
    assert cookie is not None
    copied = cookie.value
    response = admin_client.post("/admin/logout",
                                 data={"csrf_token": csrf_token(admin_client, "/admin/account")})
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/login"
    assert admin_client.get_cookie("aktsom_staff", path="/admin") is None
    assert session_count(admin_app) == 0
    # A copy of the old cookie opens nothing any more.
    admin_client.set_cookie("aktsom_staff", copied, path="/admin")
    assert admin_client.get("/admin/account").status_code == 302


def test_logout_everywhere_ends_every_session(admin_app: Flask) -> None:
    laptop, phone = admin_app.test_client(), admin_app.test_client()
    user, password, secret = make_user(admin_app)
    assert sign_in(laptop, user.email, password, secret).status_code == 303
    assert sign_in(phone, user.email, password, secret, step_offset=1).status_code == 303
    other, other_password, other_secret = make_user(admin_app)
    bystander = admin_app.test_client()
    assert sign_in(bystander, other.email, other_password, other_secret).status_code == 303
    assert session_count(admin_app) == 3
    assert post(laptop, "/admin/logout-everywhere") == 303
    assert laptop.get("/admin/account").status_code == 302
    assert phone.get("/admin/account").status_code == 302
    assert bystander.get("/admin/account").status_code == 200
    with session_factory(admin_app)() as db:
        stored = db.get(User, user.id)
        assert stored is not None
        assert stored.session_generation == 1
    assert session_count(admin_app) == 1


def test_a_session_of_an_older_generation_is_refused(admin_app: Flask,
                                                     admin_client: FlaskClient) -> None:
    user = signed_in(admin_app, admin_client)
    with session_factory(admin_app)() as db:
        db.execute(update(User).where(User.id == user.id).values(session_generation=7))
        db.commit()
    assert admin_client.get("/admin/account").status_code == 302
    assert session_count(admin_app) == 0


def test_a_disabled_user_loses_the_open_session(admin_app: Flask,
                                                admin_client: FlaskClient) -> None:
    user = signed_in(admin_app, admin_client)
    with session_factory(admin_app)() as db:
        db.execute(update(User).where(User.id == user.id).values(disabled=True))
        db.commit()
    assert admin_client.get("/admin/account").status_code == 302


def test_a_forged_or_garbled_cookie_opens_nothing(admin_app: Flask,
                                                  admin_client: FlaskClient) -> None:
    signed_in(admin_app, admin_client)
    cookie = admin_client.get_cookie("aktsom_staff", path="/admin")
    assert cookie is not None
    # Same session id, another key: the row is found but the payload does not open.
    raw = cookie.value
    admin_client.set_cookie("aktsom_staff", raw[:43] + ("A" if raw[43] != "A" else "B") + raw[44:],
                            path="/admin")
    assert admin_client.get("/admin/account").status_code == 302
    admin_client.set_cookie("aktsom_staff", "not a cookie", path="/admin")
    assert admin_client.get("/admin/account").status_code == 302
