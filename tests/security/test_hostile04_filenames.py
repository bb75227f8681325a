"""Hostile input, point 4: attachment names. A reviewer uploaded `a<CR><LF>b<NUL>.txt`, after
which every download of the file was a 500 (the evidence was lost), and `a<U+202E>gnp.exe`,
which the case page showed as `aexe.png`. Names are cleaned on upload, cleaned again when shown
or downloaded (for names stored before), and shown isolated in `<bdi>`."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from portal.db import session_factory, transaction
from portal.filenames import MAX_FILENAME_LENGTH, safe_filename
from portal.models import Attachment
from tests.admin.case_support import World, new_case, signed_in
from tests.admin.case_support import world as world  # noqa: F401 (fixture)
from tests.factories import csrf_token
from tests.portal.helpers import CODE, follow_up
from tests.security.multipart import Part, encoded_file, file, post_parts, text

RLO = "\u202e"
# Content-Disposition as werkzeug writes it: a plain or quoted name, then maybe filename*.
WELL_FORMED = re.compile(r'attachment; filename=("[^"\r\n]*"|[^";\r\n]*)'
                         r"(; filename\*=UTF-8''[A-Za-z0-9%._~!$&'()*+,=:@-]+)?")


@pytest.mark.parametrize(("name", "expected"), [
    ("a\r\nb\x00.txt", "ab.txt"),
    (f"a{RLO}gnp.exe", "agnp.exe"),
    ("report\u2066.pdf\u2069\u200e\u200f\u202a\u202b\u202c\u202d", "report.pdf"),
    ("C:\\Users\\me\\notes.txt", "notes.txt"),
    ("../../etc/passwd", "passwd"),
    ("evil.exe. . ", "evil.exe"),
    ("\r\n\x00", "file"),
    ("", "file"),
    (None, "file"),
    ("..", "file"),
    ("报告 é.pdf", "报告 é.pdf"),
])
def test_safe_filename_examples(name: str | None, expected: str) -> None:
    assert safe_filename(name) == expected


def test_a_long_name_keeps_its_extension() -> None:
    cleaned = safe_filename("x" * 500 + ".pdf")
    assert len(cleaned) == MAX_FILENAME_LENGTH
    assert cleaned.endswith(".pdf")
    assert safe_filename("y" * 500) == "y" * MAX_FILENAME_LENGTH


def _report_with_files(client: FlaskClient, unit_id: str, *files: Part) -> str:
    parts = [text("csrf_token", csrf_token(client, "/report")), text("category", "other"),
             text("unit", unit_id), text("description", "See the files."), *files]
    response = post_parts(client, "/report", parts, follow_redirects=True)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    match = CODE.search(response.get_data(as_text=True))
    assert match
    return match.group(1)


def _attachments(app: Flask, case_id: str | None = None) -> list[Attachment]:
    with transaction(session_factory(app)) as db:
        query = select(Attachment).where(Attachment.variant == "clean")
        if case_id:
            query = query.where(Attachment.case_id == case_id)
        return list(db.scalars(query))


def _assert_download(response: TestResponse, expected_name: str, content: bytes) -> None:
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert WELL_FORMED.fullmatch(disposition), disposition
    assert "\r" not in disposition and "\n" not in disposition and "\x00" not in disposition
    assert f"filename={expected_name}" in disposition or f'filename="{expected_name}"' in (
        disposition)
    assert response.data == content
    response.close()


def test_crlf_nul_and_rlo_names_upload_then_download(client: FlaskClient, world: World,
                                                     portal_app: Flask,
                                                     admin_app: Flask) -> None:
    """The reviewer's two names: upload through /report, then the reporter and the handler
    download both files (200, a well-formed Content-Disposition) and see clean names."""
    code = _report_with_files(client, world.unit_id,
                              encoded_file("attachments", b"first", "a%0D%0Ab%00.txt"),
                              file("attachments", b"second", f"a{RLO}gnp.exe"))
    follow_up(client, code)
    page = client.get("/case").get_data(as_text=True)
    assert RLO not in page
    assert "<bdi>ab.txt</bdi>" in page and "<bdi>agnp.exe</bdi>" in page
    files = {item.id: item for item in _attachments(portal_app)}  # sizes are padded alike
    assert len(files) == 2
    by_content = {}
    for item in files.values():
        response = client.get(f"/case/attachments/{item.id}")
        by_content[response.data] = item.id
        _assert_download(response, "ab.txt" if response.data == b"first" else "agnp.exe",
                         response.data)
    alice = signed_in(admin_app, world.alice)
    (case_id,) = {item.case_id for item in files.values()}
    staff_page = alice.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    assert RLO not in staff_page and "<bdi>agnp.exe</bdi>" in staff_page
    _assert_download(alice.get(f"/admin/cases/{case_id}/attachments/{by_content[b'first']}"),
                     "ab.txt", b"first")


def test_names_stored_before_the_fix_still_download(client: FlaskClient, world: World,
                                                    portal_app: Flask,
                                                    admin_app: Flask) -> None:
    """A file whose stored name still holds CR, LF, NUL and U+202E (taken in before names were
    cleaned) downloads, under the cleaned name, for the reporter and the handler."""
    case_id, code = new_case(portal_app, world.unit_id,
                             files={f"old\r\n\x00{RLO}gnp.exe": b"old evidence"})
    (item,) = _attachments(portal_app, case_id)
    follow_up(client, code)
    assert RLO not in client.get("/case").get_data(as_text=True)
    _assert_download(client.get(f"/case/attachments/{item.id}"), "oldgnp.exe", b"old evidence")
    alice = signed_in(admin_app, world.alice)
    page = alice.get(f"/admin/cases/{case_id}").get_data(as_text=True)
    assert "<bdi>oldgnp.exe</bdi>" in page and RLO not in page
    _assert_download(alice.get(f"/admin/cases/{case_id}/attachments/{item.id}"),
                     "oldgnp.exe", b"old evidence")
