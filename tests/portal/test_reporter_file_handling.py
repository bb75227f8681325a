"""Issue 14 §3: before sending, the reporter reads what happens to each type of file; after
sending, every file gets its own line, also one where nothing had to be removed.

Reproduction before the fix: a clean photo got no line at all on the code page (the reporter
could not tell whether it had been checked), and the form named no file types but photos and
PDF (nothing on HEIC, nothing on what "other types" means or on the original being kept)."""

from __future__ import annotations

import base64
import io
import zlib

from flask.testing import FlaskClient
from PIL import Image

from tests.factories import csrf_token
from tests.portal.conftest import Organisation
from tests.portal.helpers import follow_up, post_report, submit
from tests.portal.metadata_corpus import jpeg_with_gps


def _clean_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 10, 10)).save(out, format="PNG")
    return out.getvalue()


def test_the_form_says_what_happens_to_each_type_of_file(
        client: FlaskClient, organisation: Organisation) -> None:
    page = client.get("/report").get_data(as_text=True)
    assert "What happens to your files" in page
    for words in ("Photos (JPEG, PNG)", "PDF files", "HEIC photos",
                  "All other files (for example Word, Excel, audio and video): stored exactly "
                  "as you send them", "unless you tick the box to keep your original files"):
        assert words in page
    client.set_cookie("aktsom_lang", "nb")
    assert "Hva som skjer med filene dine" in client.get("/report").get_data(as_text=True)


def test_every_file_gets_its_line_after_sending(
        client: FlaskClient, organisation: Organisation) -> None:
    response = post_report(client, organisation.unit_id, "See the files.", attachments=[
        (io.BytesIO(_clean_png()), "clean.png"),
        (io.BytesIO(jpeg_with_gps()), "site.jpg"),
        (io.BytesIO(b"plain words"), "notes.txt")])
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<bdi>clean.png</bdi>: we checked it and found no hidden information to remove." in page
    assert "<bdi>site.jpg</bdi>: we removed hidden information" in page
    assert "<bdi>notes.txt</bdi>: we could not check this type of file" in page


def test_a_kept_original_is_said_per_file(
        client: FlaskClient, organisation: Organisation) -> None:
    response = post_report(client, organisation.unit_id, "See the file.", keep_originals="y",
                           attachments=[(io.BytesIO(_clean_png()), "clean.png")])
    page = response.get_data(as_text=True)
    assert ("<bdi>clean.png</bdi>: we checked it and found no hidden information to remove. "
            "As you asked, the original file was also kept for the case handlers.") in page


def test_the_hint_above_the_file_field_names_webp(
        client: FlaskClient, organisation: Organisation) -> None:
    """Issue 10 gap 6: the hint said photos (JPEG, PNG) are cleaned while the list below it
    said WebP is cleaned too."""
    page = client.get("/report").get_data(as_text=True)
    assert "from photos (JPEG, PNG, WebP) and PDF files before they are stored" in page
    client.set_cookie("aktsom_lang", "nb")
    assert "fra bilder (JPEG, PNG, WebP) og PDF-filer" in \
        client.get("/report").get_data(as_text=True)


def test_names_in_the_notices_are_isolated_and_escaped(
        client: FlaskClient, organisation: Organisation) -> None:
    """Issue 10 gap 7: a right-to-left name in the line after sending sits in <bdi>, so it
    cannot reorder the sentence around it; the name is still escaped."""
    name = "تقرير <b>.txt"
    response = post_report(client, organisation.unit_id, "See the file.",
                           attachments=[(io.BytesIO(b"plain words"), name)])
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert ("<bdi>تقرير &lt;b&gt;.txt</bdi>: we could not check this type of file"
            in page)
    assert "<b>" not in page



def test_the_notices_after_a_message_stay_off_the_cookie(
        client: FlaskClient, organisation: Organisation) -> None:
    """Audit finding of issue 14: the per-file notices after a message were flashed, so the
    file names travelled in Flask's session cookie, signed but not encrypted. They are now
    kept server-side, sealed, as the code page keeps its own, and shown once."""
    code = submit(client, organisation.unit_id, "First.")
    follow_up(client, code)
    response = client.post("/case/messages", data={
        "csrf_token": csrf_token(client, "/case"), "body": "More.",
        "attachments": [(io.BytesIO(b"plain words"), "secret-plan.txt")]},
        content_type="multipart/form-data")
    assert response.status_code == 303
    for header in response.headers.getlist("Set-Cookie"):
        value = header.split(";", 1)[0].split("=", 1)[1]
        for chunk in value.split("."):
            try:
                decoded = base64.urlsafe_b64decode(chunk + "=" * (-len(chunk) % 4))
            except ValueError:
                continue
            for raw in (decoded, _inflated(decoded)):
                assert b"secret-plan" not in raw, header
    page = client.get("/case").get_data(as_text=True)
    assert "secret-plan.txt: we could not check this type of file" in page
    assert "Your message has been sent." in page
    assert "secret-plan.txt: we could not" not in client.get("/case").get_data(as_text=True)


def _inflated(data: bytes) -> bytes:
    try:
        return zlib.decompress(data)
    except zlib.error:
        return b""
