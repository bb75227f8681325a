"""The reporter's journey over HTTP: report, code, follow up, dialogue, log out."""

from __future__ import annotations

import io
import re

from flask.testing import FlaskClient

from tests.factories import csrf_token
from tests.portal.conftest import Organisation

CODE = re.compile(r'id="case-code">([^<]+)<')


def submit(client: FlaskClient, unit_id: str, description: str, **extra: object) -> str:
    data: dict[str, object] = {
        "csrf_token": csrf_token(client, "/report"),
        "category": "forced_labour",
        "unit": unit_id,
        "description": description,
    }
    data.update(extra)
    response = client.post("/report", data=data, content_type="multipart/form-data")
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    match = CODE.search(response.get_data(as_text=True))
    assert match
    assert "no-store" in response.headers["Cache-Control"]
    return match.group(1)


def follow_up(client: FlaskClient, code: str) -> None:
    response = client.post("/followup", data={
        "csrf_token": csrf_token(client, "/followup"), "case_code": code})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/case")


def test_report_then_follow_up_and_write(client: FlaskClient, organisation: Organisation) -> None:
    code = submit(client, organisation.unit_id, "Workers' passports are kept by the agency.",
                  attachments=[(io.BytesIO(b"evidence bytes"), "notes.txt")])
    assert re.fullmatch(r"[0-9A-Z]{5}(-[0-9A-Z]{5}){3}", code)

    follow_up(client, code.lower().replace("-", " "))
    page = client.get("/case").get_data(as_text=True)
    assert "passports are kept" in page
    assert "notes.txt" in page

    response = client.post("/case/messages", data={
        "csrf_token": csrf_token(client, "/case"), "body": "More details follow."},
        content_type="multipart/form-data")
    assert response.status_code == 303
    assert "More details follow." in client.get("/case").get_data(as_text=True)

    response = client.post("/case/logout", data={"csrf_token": csrf_token(client, "/case")})
    assert response.status_code == 303
    assert client.get("/case").status_code == 303
