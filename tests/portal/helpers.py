"""Reporter-side test helpers: submit a report and follow up over HTTP."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from tests.factories import csrf_token

CODE = re.compile(r'id="case-code">([^<]+)<')


def post_report(client: FlaskClient, unit_id: str, description: str, **extra: Any) -> Any:
    data: dict[str, Any] = {
        "csrf_token": csrf_token(client, "/report"),
        "category": "forced_labour",
        "unit": unit_id,
        "description": description,
    }
    data.update(extra)
    # A stored report redirects to the case code page (issue 14 §1): follow it.
    return client.post("/report", data=data, content_type="multipart/form-data",
                       follow_redirects=True)


def submit(client: FlaskClient, unit_id: str, description: str, **extra: Any) -> str:
    response = post_report(client, unit_id, description, **extra)
    assert response.status_code == 200, response.get_data(as_text=True)[:3000]
    match = CODE.search(response.get_data(as_text=True))
    assert match, "no case code on the page"
    return match.group(1)


def follow_up(client: FlaskClient, code: str) -> Any:
    return client.post("/followup", data={
        "csrf_token": csrf_token(client, "/followup"), "case_code": code})
