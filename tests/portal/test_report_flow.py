"""The reporter's journey over HTTP: every route and its error paths."""

from __future__ import annotations

import io
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal.cases.keyring import Keyring
from portal.cases.keys import open_case_keys
from portal.cases.reading import reporter_language
from portal.db import session_factory, transaction
from portal.extensions import settings_of
from portal.models import Attachment, Case, CaseKeyWrap, ServerSession
from portal.states import KeyKind
from tests.factories import Handler, csrf_token
from tests.portal.conftest import Organisation
from tests.portal.helpers import follow_up, post_report, submit


def sealed_language(app: Flask, handler: Handler) -> str | None:
    """The reporter's language as a handler reads it: sealed in the answers, no longer a clear
    column (security finding 11)."""
    with transaction(session_factory(app)) as db:
        case = db.scalars(select(Case)).one()
        _case, keys = open_case_keys(db, case.id, handler.user_id, handler.private_key)
        return reporter_language(case, Keyring.of(case.id, keys[KeyKind.CASE]))


def count(app: Flask, model: Any) -> int:
    with transaction(session_factory(app)) as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def reporter_sessions(app: Flask) -> int:
    """Reporter sessions only: the case code page has its own entry (issue 14 §1)."""
    with transaction(session_factory(app)) as db:
        return int(db.scalar(select(func.count()).select_from(ServerSession).where(
            ServerSession.kind == "reporter")) or 0)


def test_report_then_follow_up_and_write(client: FlaskClient, organisation: Organisation) -> None:
    code = submit(client, organisation.unit_id, "Workers' passports are kept by the agency.",
                  attachments=[(io.BytesIO(b"evidence bytes"), "notes.txt")])
    assert re.fullmatch(r"[0-9A-Z]{5}(-[0-9A-Z]{5}){3}", code)

    response = follow_up(client, code.lower().replace("-", " "))
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/case")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    page = client.get("/case").get_data(as_text=True)
    assert "passports are kept" in page
    assert "notes.txt" in page
    assert "Received" in page

    response = client.post("/case/messages", data={
        "csrf_token": csrf_token(client, "/case"), "body": "More details follow.",
        "attachments": [(io.BytesIO(b"second file"), "more.txt")]},
        content_type="multipart/form-data")
    assert response.status_code == 303
    page = client.get("/case").get_data(as_text=True)
    assert "More details follow." in page and "more.txt" in page

    response = client.post("/case/logout", data={"csrf_token": csrf_token(client, "/case")})
    assert response.status_code == 303
    assert client.get("/case").status_code == 303


def test_attachment_download_is_forced_and_sniff_proof(client: FlaskClient,
                                                      organisation: Organisation,
                                                      portal_app: Flask) -> None:
    code = submit(client, organisation.unit_id, "See file.",
                  attachments=[(io.BytesIO(b"<script>alert(1)</script>"), "page.html")])
    follow_up(client, code)
    with transaction(session_factory(portal_app)) as db:
        attachment_id = db.scalar(select(Attachment.id).where(Attachment.variant == "clean"))
    response = client.get(f"/case/attachments/{attachment_id}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.data == b"<script>alert(1)</script>"
    response.close()
    assert client.get("/case/attachments/nonexistent").status_code == 404


def test_case_pages_need_a_session(client: FlaskClient) -> None:
    assert client.get("/case").status_code == 303
    assert client.get("/case/attachments/x").status_code == 303
    token = csrf_token(client, "/followup")
    response = client.post("/case/messages", data={"csrf_token": token, "body": "x"})
    # Issue 14 §2: no redirect that would drop the text; the code form, with the text in it.
    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert 'action="/followup"' in page and 'name="case_code"' in page
    assert "Your case" not in page


def test_a_forged_session_cookie_opens_nothing(client: FlaskClient,
                                               organisation: Organisation) -> None:
    submit(client, organisation.unit_id, "Something.")
    client.set_cookie("aktsom_case", "A" * 86)
    assert client.get("/case").status_code == 303
    client.set_cookie("aktsom_case", "not base64 at all !!")
    assert client.get("/case").status_code == 303


def test_wrong_codes_get_one_message(client: FlaskClient, organisation: Organisation) -> None:
    submit(client, organisation.unit_id, "Something.")
    pages = []
    for attempt in ("K7QM2-XPD9R-TFH4B-N8WJC", "short", "UUUUU-UUUUU-UUUUU-UUUUU"):
        response = follow_up(client, attempt)
        assert response.status_code == 200
        pages.append(re.sub(r'value="[^"]*"', "", response.get_data(as_text=True)))
    assert "could not open a case with that code" in pages[0]
    assert pages[0] == pages[1] == pages[2]


def test_forty_wrong_codes_end_in_429(client: FlaskClient) -> None:
    # Since issue 14 §6 wrong codes are limited per case look-up, not per address (behind
    # Tor every reporter has the same address): the same code tried again and again.
    token = csrf_token(client, "/followup")
    statuses = [client.post("/followup", data={"csrf_token": token,
                                              "case_code": "0" * 20}).status_code
                for n in range(40)]
    assert statuses[0] == 200
    assert statuses[-1] == 429
    assert "Too many attempts" in client.post("/followup", data={
        "csrf_token": token, "case_code": "0" * 20}).get_data(as_text=True)


def test_missing_fields_are_explained_and_tied_to_fields(client: FlaskClient,
                                                       organisation: Organisation) -> None:
    response = post_report(client, "", "")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert 'href="#description"' in page
    assert 'aria-describedby="description-hint description-error"' in page
    assert 'id="case-code"' not in page


def test_unknown_category_or_unit_is_refused(client: FlaskClient,
                                             organisation: Organisation) -> None:
    response = post_report(client, "no-such-unit", "text")
    assert 'id="case-code"' not in response.get_data(as_text=True)
    response = post_report(client, organisation.unit_id, "text", category="nonsense")
    assert 'id="case-code"' not in response.get_data(as_text=True)


def test_empty_reply_is_refused(client: FlaskClient, organisation: Organisation) -> None:
    follow_up(client, submit(client, organisation.unit_id, "Something."))
    response = client.post("/case/messages", data={"csrf_token": csrf_token(client, "/case"),
                                                   "body": "  "},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Write a message or attach a file" in response.get_data(as_text=True)


def test_logout_ends_the_session_on_the_server(client: FlaskClient, organisation: Organisation,
                                               portal_app: Flask) -> None:
    follow_up(client, submit(client, organisation.unit_id, "Something."))
    cookie = client.get_cookie("aktsom_case")
    assert cookie is not None
    assert reporter_sessions(portal_app) == 1
    client.post("/case/logout", data={"csrf_token": csrf_token(client, "/case")})
    assert reporter_sessions(portal_app) == 0
    client.set_cookie("aktsom_case", cookie.value)  # a copied cookie opens nothing now
    assert client.get("/case").status_code == 303


def test_idle_reporter_session_expires(client: FlaskClient, organisation: Organisation,
                                      portal_app: Flask) -> None:
    from datetime import timedelta

    follow_up(client, submit(client, organisation.unit_id, "Something."))
    with transaction(session_factory(portal_app)) as db:
        row = db.scalars(select(ServerSession).where(ServerSession.kind == "reporter")).one()
        # The idle timeout is a setting (120 minutes by default since issue 14 §2).
        idle = settings_of(portal_app).reporter_idle_minutes
        row.last_seen_at = row.last_seen_at - timedelta(minutes=idle + 1)
    assert client.get("/case").status_code == 303
    assert reporter_sessions(portal_app) == 0


def test_case_is_wrapped_to_handlers_and_recovery(client: FlaskClient,
                                                  organisation: Organisation,
                                                  portal_app: Flask) -> None:
    submit(client, organisation.unit_id, "Something.")
    with transaction(session_factory(portal_app)) as db:
        case = db.scalars(select(Case)).one()
        recipients = {(w.recipient_id, w.key_kind) for w in db.scalars(select(CaseKeyWrap))}
    assert case.channel == "web" and case.human_rights and case.status == "new"
    assert sealed_language(portal_app, organisation.alice) == "en"
    users = {organisation.alice.user_id, organisation.bob.user_id}
    for key_kind in ("case", "staff"):
        assert {r for r, k in recipients if k == key_kind and not r.startswith("recovery:")
                and r != "reporter"} == users
        assert any(r.startswith("recovery:") and k == key_kind for r, k in recipients)
    # The reporter's key pair (from the code) holds the case key, never the staff key.
    assert {k for r, k in recipients if r == "reporter"} == {"case"}


def test_language_follows_the_reporter(client: FlaskClient, organisation: Organisation,
                                       portal_app: Flask) -> None:
    client.get("/language/nb?next=/report")
    code = submit(client, organisation.unit_id, "På norsk.")
    assert sealed_language(portal_app, organisation.alice) == "nb"
    fresh = portal_app.test_client()  # another device, no language chosen yet
    response = follow_up(fresh, code)
    assert "aktsom_lang=nb" in ";".join(response.headers.getlist("Set-Cookie"))
    assert 'lang="nb"' in fresh.get("/case").get_data(as_text=True)


def test_language_picker_refuses_open_redirects(client: FlaskClient) -> None:
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        response = client.get(f"/language/sv?next={target}")
        assert response.headers["Location"] == "/"


def test_every_follow_up_failure_costs_one_argon2_derivation(
    client: FlaskClient, organisation: Organisation, monkeypatch: Any
) -> None:
    """Equal work on every path, so timing does not tell a near miss from a wild guess."""
    import crypto._secret_seal as secret_seal
    import portal.cases.submission as services

    calls: list[str] = []
    real_derive = services.derive_key
    real_envelope_derive = secret_seal.derive_key

    def counting(label: str, real: Any) -> Any:
        def _derive(*args: Any, **kwargs: Any) -> bytes:
            calls.append(label)
            return bytes(real(*args, **kwargs))
        return _derive

    monkeypatch.setattr(services, "derive_key", counting("dummy", real_derive))
    monkeypatch.setattr(secret_seal, "derive_key", counting("real", real_envelope_derive))
    code = submit(client, organisation.unit_id, "Something.")
    calls.clear()
    near_miss = code[:-1] + ("Y" if code.endswith("Z") else "Z")
    for attempt in ("K7QM2-XPD9R-TFH4B-N8WJC", "too short", near_miss):
        follow_up(client, attempt)
        assert len(calls) == 1, (attempt, calls)
        calls.clear()
    follow_up(client, code)
    assert calls == ["real"]


def test_following_up_again_replaces_the_session(client: FlaskClient,
                                                 organisation: Organisation,
                                                 portal_app: Flask) -> None:
    first = submit(client, organisation.unit_id, "First.")
    second = submit(client, organisation.unit_id, "Second.")
    follow_up(client, first)
    old_cookie = client.get_cookie("aktsom_case")
    assert old_cookie is not None
    follow_up(client, second)
    assert reporter_sessions(portal_app) == 1
    assert "Second." in client.get("/case").get_data(as_text=True)
    client.set_cookie("aktsom_case", old_cookie.value)
    assert client.get("/case").status_code == 303


def test_landing_names_external_authorities_per_country(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    assert "Arbeidstilsynet" in page and "Integritetsskyddsmyndigheten" in page
    assert 'href="https://www.datatilsynet.dk/"' in page
    client.get("/language/nb?next=/")
    assert "Norge" in client.get("/").get_data(as_text=True)


def test_no_cookie_outlives_the_browser_session(client: FlaskClient,
                                                organisation: Organisation) -> None:
    """A lasting cookie would tell whoever uses the device later that someone reported."""
    cookies = client.get("/language/pl?next=/").headers.getlist("Set-Cookie")
    cookies += client.get("/report").headers.getlist("Set-Cookie")
    code = submit(client, organisation.unit_id, "Something.")
    cookies += follow_up(client, code).headers.getlist("Set-Cookie")
    assert cookies
    for cookie in cookies:
        assert "Expires=" not in cookie and "Max-Age=" not in cookie, cookie


def test_browsers_are_asked_not_to_remember_what_was_typed(client: FlaskClient,
                                                           organisation: Organisation) -> None:
    follow_up(client, submit(client, organisation.unit_id, "Something."))
    for path in ("/report", "/followup", "/case"):
        forms = re.findall(r"<form[^>]*>", client.get(path).get_data(as_text=True))
        typed = [form for form in forms if "logout" not in form]
        assert typed and all('autocomplete="off"' in form for form in typed), path
