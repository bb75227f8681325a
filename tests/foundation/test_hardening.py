"""Design §7 hardening, each claim with a test that fails without it."""

from __future__ import annotations

import logging
import re
import threading
import urllib.request
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

import admin
from portal.hardening import GUNICORN_ACCESS_LOG_FORMAT, AddressFreeRequestHandler
from tests.factories import csrf_token

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "X-Frame-Options": "DENY",
}


def assert_hardened(response: Any) -> None:
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "script-src" not in csp  # no script at all
    for directive in ("form-action 'self'", "base-uri 'none'"):
        assert directive in csp
    for name, value in EXPECTED.items():
        assert response.headers[name] == value
    assert "camera=()" in response.headers["Permissions-Policy"]


@pytest.mark.parametrize("path", ["/", "/report", "/followup", "/no-such-page"])
def test_portal_pages_carry_every_header_and_no_store(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert_hardened(response)
    assert "no-store" in response.headers["Cache-Control"]
    assert "Strict-Transport-Security" not in response.headers  # off outside production


def test_admin_pages_carry_every_header(admin_client: FlaskClient) -> None:
    response = admin_client.get("/admin/login")
    assert_hardened(response)
    assert "no-store" in response.headers["Cache-Control"]


def test_static_assets_may_be_cached_but_are_hardened(client: FlaskClient) -> None:
    response = client.get("/static/aktsom.css")
    assert response.status_code == 200
    assert_hardened(response)
    assert "no-store" not in response.headers.get("Cache-Control", "")
    response.close()


def test_pages_have_no_inline_script_or_style_or_external_resource(client: FlaskClient) -> None:
    for path in ("/", "/report", "/followup"):
        html = client.get(path).get_data(as_text=True)
        assert "<script" not in html
        assert "<style" not in html
        assert " style=" not in html
        # No external resource: nothing is loaded from elsewhere (plain links may leave).
        assert not re.search(r'<(?:link|script|img|iframe|source)[^>]+(?:href|src)="(?:https?:)?//',
                             html)


def test_production_sends_hsts_and_secure_cookies(make_portal_app: Any) -> None:
    app = make_portal_app(env="production", secret_key="k3Y9-vQ2mZ7pL0xR8tW4nB6cH1jF5sD2")
    client = app.test_client()
    response = client.get("/report")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    language = client.get("/language/nb?next=/").headers["Set-Cookie"]
    assert "Secure" in language and "HttpOnly" in language


def test_session_cookies_are_httponly_strict_and_separate(client: FlaskClient,
                                                          admin_client: FlaskClient) -> None:
    portal_cookie = client.get("/report").headers["Set-Cookie"]
    admin_cookie = admin_client.get("/admin/login").headers["Set-Cookie"]
    for cookie in (portal_cookie, admin_cookie):
        assert "HttpOnly" in cookie
        assert "SameSite=Strict" in cookie
    assert portal_cookie.split("=", 1)[0] != admin_cookie.split("=", 1)[0]
    assert "Path=/admin" in admin_cookie


@pytest.mark.parametrize("path", ["/report", "/followup"])
def test_post_without_csrf_token_is_refused(client: FlaskClient, path: str) -> None:
    client.get(path)
    response = client.post(path, data={"case_code": "K7QM2-XPD9R-TFH4B-N8WJC",
                                       "description": "x", "category": "other"})
    assert response.status_code == 400
    # Refused: the view never ran and no case session began. The reporter's form comes back
    # filled in with a fresh token instead of the bare error page (issue 14 audit gap 6).
    assert "This form had expired" in response.get_data(as_text=True)
    assert "aktsom_case=" not in response.headers.get("Set-Cookie", "")


def test_post_with_a_forged_csrf_token_is_refused(client: FlaskClient) -> None:
    csrf_token(client, "/followup")
    response = client.post("/followup", data={"csrf_token": "forged", "case_code": "x"})
    assert response.status_code == 400


def test_oversized_request_gets_the_413_page(make_portal_app: Any) -> None:
    app = make_portal_app(max_file_bytes=1024, max_total_upload_bytes=2048)
    settings = app.extensions["aktsom.settings"]
    client = app.test_client()
    token = csrf_token(client, "/report")
    body = b"x" * (settings.max_request_bytes + 10)
    response = client.post("/report", data={"csrf_token": token, "description": body.decode()},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    assert "Nothing was stored" in response.get_data(as_text=True)
    response.close()
    response.request.input_stream.close()


def test_rate_limit_gives_the_429_page(make_portal_app: Any) -> None:
    client = make_portal_app(rate_limit_followup="3 per minute").test_client()
    token = csrf_token(client, "/followup")
    codes = [client.post("/followup", data={"csrf_token": token, "case_code": "bad"}).status_code
             for _ in range(5)]
    assert codes[:3] == [200, 200, 200]
    assert codes[3:] == [429, 429]
    assert "Too many attempts" in client.post("/followup", data={
        "csrf_token": token, "case_code": "bad"}).get_data(as_text=True)


def test_error_page_leaks_nothing(portal_app: Flask) -> None:
    @portal_app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret report text K7QM2-XPD9R")

    portal_app.config["TESTING"] = False
    response = portal_app.test_client().get("/boom")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "secret" not in page and "K7QM2" not in page and "Traceback" not in page


@pytest.mark.parametrize("code", [400, 403, 404, 405, 413, 429, 500])
def test_every_error_page_renders_in_the_layout(portal_app: Flask, code: int) -> None:
    from flask import abort

    @portal_app.get(f"/fail-{code}")
    def fail() -> str:
        abort(code)

    response = portal_app.test_client().get(f"/fail-{code}")
    assert response.status_code == code
    assert 'id="main"' in response.get_data(as_text=True)


def test_development_server_log_holds_no_client_address(
    portal_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    server = make_server("127.0.0.1", 0, portal_app, request_handler=AddressFreeRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            request = urllib.request.Request(
                f"http://127.0.0.1:{server.server_port}/?secret=1",
                headers={"User-Agent": "Distinctive-Agent/9.9"},
            )
            with urllib.request.urlopen(request) as reply:  # noqa: S310 (local test server)
                assert reply.status == 200
    finally:
        server.shutdown()
        server.server_close()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert '"GET /" 200' in logged
    assert "127.0.0.1" not in logged
    assert "Distinctive-Agent" not in logged
    assert "secret" not in logged


def test_gunicorn_access_log_format_has_no_address_agent_or_query() -> None:
    for directive in ("%(h)s", "%(a)s", "%(q)s", "%(r)s", "%(U)s?", "%({x-forwarded-for}i)s"):
        assert directive not in GUNICORN_ACCESS_LOG_FORMAT
    assert "%(U)s" in GUNICORN_ACCESS_LOG_FORMAT


def test_gunicorn_logs_no_address_at_runtime(tmp_path: Any) -> None:
    from gunicorn.config import Config

    from admin.server import gunicorn_options

    config = Config()
    for key, value in gunicorn_options("127.0.0.1", 8000, 1).items():
        config.set(key, value)
    config.set("accesslog", str(tmp_path / "access.log"))
    logger = config.logger_class(config)

    class _Response:
        status = "200 OK"
        sent = 12
        headers: list[tuple[str, str]] = []
        response_length = 12

    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/case", "QUERY_STRING": "x=1",
               "REMOTE_ADDR": "203.0.113.77", "HTTP_USER_AGENT": "Distinctive-Agent/9.9",
               "SERVER_PROTOCOL": "HTTP/1.1", "RAW_URI": "/case?x=1"}
    from datetime import timedelta

    logger.access(_Response(), [], environ, timedelta(milliseconds=3))
    for handler in logger.access_log.handlers:
        handler.flush()
    environ.update(PATH_INFO="/admin/setup/one-time-secret-token", RAW_URI="/admin/setup/x")
    logger.access(_Response(), [], environ, timedelta(milliseconds=3))
    for handler in logger.access_log.handlers:
        handler.flush()
    line = (tmp_path / "access.log").read_text()
    assert '"GET /case" 200' in line
    assert "203.0.113.77" not in line and "Distinctive-Agent" not in line and "x=1" not in line
    assert "/admin/setup/[redacted]" in line
    assert "one-time-secret-token" not in line


def test_admin_and_portal_are_separate_apps(portal_app: Flask, admin_app: Flask) -> None:
    assert portal_app is not admin_app
    assert portal_app.config["SESSION_COOKIE_NAME"] != admin_app.config["SESSION_COOKIE_NAME"]
    assert isinstance(admin, object)


def test_trusted_proxy_gives_each_client_its_own_limit(make_settings: Any,
                                                       database_url: str) -> None:
    # The reporter's endpoints are limited per case code and session since issue 14 §6; the
    # staff sign-in is still limited per (hashed) address, which the proxy must give.
    import admin
    from portal.db import engine_of
    from portal.serverkeys import create_server_keys

    settings = make_settings(database_url=database_url, rate_limit_login="2 per minute",
                             trusted_proxies=1)
    create_server_keys(settings.server_keys_file)
    behind_proxy = admin.create_app(settings)
    behind_proxy.config.update(TESTING=True)
    client = behind_proxy.test_client()

    def attempt(address: str) -> int:
        return client.post("/admin/login", data={
            "csrf_token": csrf_token(client, "/admin/login"), "email": "nobody@example.org",
            "password": "guess guess guess", "totp": "123456"},
            headers={"X-Forwarded-For": address}).status_code

    try:
        assert [attempt("198.51.100.1") for _ in range(3)] == [200, 200, 429]
        assert attempt("198.51.100.2") == 200
    finally:
        engine_of(behind_proxy).dispose()


def test_without_trusted_proxy_forwarded_for_is_ignored(make_portal_app: Any) -> None:
    app = make_portal_app(rate_limit_followup="2 per minute")
    client = app.test_client()
    token = csrf_token(client, "/followup")
    statuses = [client.post("/followup", data={"csrf_token": token, "case_code": "bad"},
                            headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code
                for n in range(3)]
    assert statuses == [200, 200, 429]
