"""Issue 13's "Done when", the public's side, on the demo data: the account published from
`aktsom demo` is read at /transparency and on its own page by an anonymous reader, in
Norwegian and English, every figure as the hand count (tests/admin/test_annual_demo_account.py)
has it; then the reader files an information request at /information-request, a compliance
officer of the demo answers it in the register, and the request shows as answered, its letter
sent and this year's request figures counting it.

Audit finding: issue 13 gap 4 (gaps-13.md), no test read the demo account at /transparency
and none tracked an information request on the demo to its answer.
"""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlparse

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from markupsafe import escape
from sqlalchemy import select

from portal.db import session_factory, transaction
from portal.information.states import Delivery, RequestStatus
from portal.information.stats import request_figures
from portal.models import InformationRequest, OrgUnit
from tests.admin.helpers import csrf_token, sign_in
from tests.admin.test_annual_demo_account import (
    DEMO_PASSWORD,
    HAND_MEDIANS,
    YEAR,
    check_figures_dict,
    hand_count,
    make_demo,
    publish_demo_account,
)
from tests.mail_sink import Sink
from tests.mail_sink import settings as settings  # noqa: F401 (fixture)
from tests.mail_sink import sink as sink  # noqa: F401 (fixture)

QUESTION = "Which agencies supply temporary staff to the Drammen warehouse?"
EMAIL = "reader@example.net"
ANSWER = "Two agencies: Nordic Staffing and Fjord Bemanning, both audited this spring."


def _totp_secret(output: str, email: str) -> bytes:
    """The TOTP secret `aktsom demo` printed for `email` (its otpauth:// URI)."""
    line = next(line for line in output.splitlines() if line.strip().startswith(email))
    uri = line.split()[-1]
    secret = parse_qs(urlparse(uri).query)["secret"][0]
    return base64.b32decode(secret + "=" * (-len(secret) % 8))


def _cell(cell: dict[str, Any], expected: int, k: int) -> str:
    """How the public page shows a figure: the hand count, "< k" or "–"."""
    if cell["status"] == "shown":
        return str(expected)
    return f"&lt; {k}" if cell["status"] == "small" else "–"


def _reader(portal_app: Flask, language: str) -> FlaskClient:
    client = portal_app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    return client


def test_the_public_reads_the_demo_account_and_has_a_request_answered(
    admin_app: Flask, portal_app: Flask, runner: FlaskCliRunner, sink: tuple[Sink, int],
) -> None:
    output = make_demo(admin_app, runner)
    content = publish_demo_account(admin_app)
    hand = hand_count()
    check_figures_dict(content["figures"], hand)
    k = content["figures"]["small_count_k"]

    # /transparency lists the group's account; its page shows every figure, in both languages.
    for language in ("nb", "en"):
        reader = _reader(portal_app, language)
        index = reader.get("/transparency")
        assert index.status_code == 200
        listing = index.get_data(as_text=True)
        assert str(escape(content["company"])) in listing
        links = re.findall(r'href="(/transparency/[^"/]+)"', listing)
        assert len(links) == 1
        response = reader.get(links[0])
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert f"{YEAR}" in page and "Demo Chair" in page
        for key in ("a", "b", "c"):  # the account's texts (Markdown), both languages
            for text in content["texts"][key].values():
                assert text.lstrip("- ").split("*")[0][:25] in page, key
        labels = content["labels"][language]
        for table in content["figures"]["tables"]:
            for row in table["rows"]:
                current, previous = hand[(table["key"], row["key"])]
                line = (f'<tr><th scope="row">{escape(labels[table["key"] + ":" + row["key"]])}'
                        f'</th><td>{_cell(row["current"], current, k)}</td>'
                        f'<td>{_cell(row["previous"], previous, k)}</td></tr>')
                assert line in page, (language, table["key"], row["key"])
        for median in content["figures"]["medians"]:
            days_now, days_before, _basis, _basis_before = HAND_MEDIANS[median["key"]]
            shown = [str(days) if value is not None else "–"
                     for days, value in ((days_now, median["current"]),
                                         (days_before, median["previous"]))]
            assert (f'{escape(labels[median["key"]])}: {shown[0]} ({YEAR - 1}: {shown[1]})'
                    in page), median["key"]

    # The reader asks Demo Nordic a question.
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        nordic = db.scalars(select(OrgUnit).where(OrgUnit.code == "DEMO-NO")).one().id
        before = {row.id for row in db.scalars(select(InformationRequest))}
    reader = _reader(portal_app, "en")
    filed = reader.post("/information-request", data={
        "csrf_token": csrf_token(reader, "/information-request"), "unit": nordic,
        "question": QUESTION, "name": "", "contact_kind": "email", "contact": EMAIL})
    assert filed.status_code == 303
    sent = reader.get("/information-request/sent").get_data(as_text=True)
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        new = [row for row in db.scalars(select(InformationRequest)) if row.id not in before]
        assert len(new) == 1
        request_id, reference = new[0].id, new[0].reference
        assert new[0].status == RequestStatus.RECEIVED and new[0].unit_id == nordic
    assert reference in sent

    # Cora Compliance finds it in the register, reads it and answers it.
    cora = admin_app.test_client()
    assert sign_in(cora, "cora@demo.example", DEMO_PASSWORD,
                   _totp_secret(output, "cora@demo.example")).status_code == 303
    listed = cora.get("/admin/information-requests")
    assert listed.status_code == 200
    row = re.search(rf'<tr id="request-{request_id}"[^>]*>.*?</tr>',
                    listed.get_data(as_text=True), re.S)
    assert row is not None and reference in row.group(0) and "Received" in row.group(0)
    page = f"/admin/information-requests/{request_id}"
    opened = cora.get(page)
    assert opened.status_code == 200 and QUESTION in opened.get_data(as_text=True)
    sink[0].mails.clear()
    answered = cora.post(f"{page}/answer", data={"csrf_token": csrf_token(cora, page),
                                                 "text": ANSWER})
    assert answered.status_code == 303

    # The request shows as answered, the answer went to the reader, and it counts.
    register = cora.get("/admin/information-requests").get_data(as_text=True)
    row = re.search(rf'<tr id="request-{request_id}"[^>]*>.*?</tr>', register, re.S)
    assert row is not None and "Answered" in row.group(0)
    letters = [mail for recipients, mail in sink[0].mails if recipients == [EMAIL]]
    assert len(letters) == 1 and reference in letters[0]["Subject"]
    body = letters[0].get_payload(decode=True)
    assert isinstance(body, bytes) and ANSWER in body.decode()
    now = datetime.now(UTC)
    with admin_app.app_context(), transaction(session_factory(admin_app)) as db:
        request = db.get(InformationRequest, request_id)
        assert request is not None
        assert request.status == RequestStatus.ANSWERED and request.delivery == Delivery.SENT
        assert request.closed_at is not None and request.closed_at < request.due_at
        figures = request_figures(db, now.year, now=now, unit_id=nordic)
    assert (figures.received, figures.answered, figures.closed_within_three_weeks,
            figures.still_open) == (1, 1, 1, 0)
