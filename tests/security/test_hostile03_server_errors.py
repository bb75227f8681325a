"""Hostile input, point 3: every 500 the reviewer found is a clean 400 (or a safe redirect).

Reproductions: a multipart part without a name before sign-in; CR/LF in `/language/<l>?next=`
(portal and staff side) and in `/admin/login?next=` after a correct sign-in; a Host label of
64 characters; any text field sent as a file part (`TypeError: FileStorage has no len()`) on
/report, /admin/login and the staff note, reply, escalation, supplier and new-case forms.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.admin.case_support import World, new_case, signed_in
from tests.admin.case_support import world as world  # noqa: F401 (fixture)
from tests.admin.helpers import make_user, sign_in
from tests.factories import csrf_token
from tests.security.multipart import file, post_parts, text

HOST_LABEL_64 = "a" * 64 + ".example.org"


def assert_clean_400(response: Any) -> None:
    assert response.status_code == 400, response.status_code
    page = response.get_data(as_text=True)
    assert 'id="main"' in page  # the error template in the layout, not a bare text
    assert "Traceback" not in page and "FileStorage" not in page


@pytest.mark.parametrize("path", ["/report", "/followup"])
def test_a_part_without_a_name_is_a_400_on_the_portal(client: FlaskClient, path: str) -> None:
    token = csrf_token(client, path)
    for nameless in (text(None, "hello"), file(None, b"hello", "x.txt")):
        assert_clean_400(post_parts(client, path, [text("csrf_token", token), nameless]))


def test_a_part_without_a_name_is_a_400_before_sign_in(admin_client: FlaskClient) -> None:
    token = csrf_token(admin_client, "/admin/login")
    response = post_parts(admin_client, "/admin/login",
                          [text("csrf_token", token), text(None, "hello")])
    assert_clean_400(response)


@pytest.mark.parametrize("next_path", ["/%0d%0aSet-Cookie:%20x=1", "/case%0aX", "/%01",
                                       "/\u202e"])
def test_control_characters_in_the_language_return_path_go_home(
    client: FlaskClient, next_path: str
) -> None:
    response = client.get(f"/language/nb?next={next_path}")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert "aktsom_lang=nb" in response.headers["Set-Cookie"]


def test_control_characters_in_the_staff_language_return_path(admin_client: FlaskClient) -> None:
    response = admin_client.get("/admin/language/nb?next=/admin/%0d%0aX-Injected:%201")
    assert response.status_code == 303
    assert "\n" not in response.headers["Location"] and "X-Injected" not in str(response.headers)


def test_crlf_in_the_sign_in_return_path_after_a_correct_sign_in(admin_app: Flask) -> None:
    user, password, secret = make_user(admin_app)
    client = admin_app.test_client()
    response = sign_in(client, user.email, password, secret,
                       next_path="/admin/account%0d%0aX-Injected:%201")
    assert response.status_code == 303
    # Not the injected path: the handler's start page (issue 14 §8).
    assert response.headers["Location"] == "/admin/cases"
    assert "X-Injected" not in str(response.headers)


@pytest.mark.parametrize("path", ["/", "/report", "/no-such-page"])
def test_a_host_label_over_63_characters_is_a_400_on_the_portal(client: FlaskClient,
                                                                path: str) -> None:
    assert_clean_400(client.get(path, headers={"Host": HOST_LABEL_64}))


@pytest.mark.parametrize("path", ["/admin/", "/admin/login", "/admin/cases"])
def test_a_host_label_over_63_characters_is_a_400_on_the_staff_side(
    admin_client: FlaskClient, path: str
) -> None:
    assert_clean_400(admin_client.get(path, headers={"Host": HOST_LABEL_64}))


@pytest.mark.parametrize("host", ["localhost", "localhost:8000", "127.0.0.1:8000", "[::1]:8000",
                                  "a" * 63 + ".example.org", "EXAMPLE.org.",
                                  "xp3udbbhzgbnvqwjrv3ecnazokhxhvkcx7j7xopq6zq2sdyqqdbnlfqd.onion"])
def test_ordinary_hosts_still_work(client: FlaskClient, host: str) -> None:
    assert client.get("/", headers={"Host": host}).status_code == 200


def test_a_text_field_sent_as_a_file_is_a_400_on_report(client: FlaskClient) -> None:
    parts = [text("csrf_token", csrf_token(client, "/report")), text("category", "other"),
             text("unit", "dont_know"), file("description", b"the report", "d.txt")]
    assert_clean_400(post_parts(client, "/report", parts))


def test_a_text_field_sent_as_a_file_is_a_400_on_login(admin_client: FlaskClient) -> None:
    parts = [text("csrf_token", csrf_token(admin_client, "/admin/login")),
             file("email", b"a@example.org"), text("password", "x")]
    assert_clean_400(post_parts(admin_client, "/admin/login", parts))


def test_nul_in_a_text_field_or_the_path_is_a_400(client: FlaskClient,
                                                  admin_client: FlaskClient) -> None:
    """PostgreSQL refuses NUL in text: a NUL that reached a query was a 500 there."""
    parts = [text("csrf_token", csrf_token(admin_client, "/admin/login")),
             text("email", "a\x00@example.org"), text("password", "x")]
    assert_clean_400(post_parts(admin_client, "/admin/login", parts))
    assert_clean_400(client.get("/case/attachments/a%00b"))
    assert_clean_400(admin_client.get("/admin/cases/a%00b"))
    assert_clean_400(client.get("/report?x=%00"))


@pytest.mark.parametrize(("form", "field"), [
    ("notes", "body"), ("messages", "body"), ("escalate", "summary"),
    ("supplier", "supplier_id"), ("new", "description"),
])
def test_a_text_field_sent_as_a_file_is_a_400_on_staff_forms(
    admin_app: Flask, portal_app: Flask, world: World, form: str, field: str
) -> None:
    case_id, _code = new_case(portal_app, world.unit_id)
    alice = signed_in(admin_app, world.alice)
    path = "/admin/cases/new" if form == "new" else f"/admin/cases/{case_id}/{form}"
    parts = [text("csrf_token", csrf_token(alice, "/admin/cases")),
             text("manager_id", world.mona.id), file(field, b"some text")]
    assert_clean_400(post_parts(alice, path, parts))
