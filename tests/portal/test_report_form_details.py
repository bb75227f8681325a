"""Issue 14 §12, small things on the report form: the file button speaks the page's
language (a label styled as the button, tied to the input), and the meeting checkbox sits
beside its text like the other choices."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from tests.portal.conftest import Organisation
from tests.portal.helpers import follow_up, submit


def _file_button_in_norwegian(page: str) -> None:
    button = re.search(r'<label for="attachments"[^>]*id="choose-files"[^>]*>([^<]*)</label>',
                       page)
    assert button, "a label for the file input, styled as its button"
    assert button.group(1).strip() == "Velg filer"
    field = re.search(r'<input[^>]*type="file"[^>]*>', page)
    assert field and 'id="attachments"' in field.group(0) and "multiple" in field.group(0)


def test_the_file_button_follows_the_page_language(client: FlaskClient) -> None:
    client.set_cookie("aktsom_lang", "nb")
    page = client.get("/report").get_data(as_text=True)
    _file_button_in_norwegian(page)
    field = re.search(r'<input[^>]*type="file"[^>]*>', page)
    assert field and 'aria-describedby="attachments-hint"' in field.group(0)


def test_the_case_page_file_button_follows_the_page_language(
        client: FlaskClient, organisation: Organisation) -> None:
    """Gap 2 of the issue 14 audit: the message form on /case showed the browser's own
    button, in the browser's language."""
    code = submit(client, organisation.unit_id, "Passports are kept.")
    follow_up(client, code)
    client.set_cookie("aktsom_lang", "nb")
    page = client.get("/case").get_data(as_text=True)
    assert 'action="/case/messages"' in page
    _file_button_in_norwegian(page)


def test_the_meeting_checkbox_sits_in_a_flex_label(client: FlaskClient) -> None:
    page = client.get("/report").get_data(as_text=True)
    assert re.search(r'<label class="check"><input[^>]*name="meeting"', page)
