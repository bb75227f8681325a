"""Issue 14 §12, small things on the report form: the file button speaks the page's
language (a label styled as the button, tied to the input), and the meeting checkbox sits
beside its text like the other choices."""

from __future__ import annotations

import re

from flask.testing import FlaskClient


def test_the_file_button_follows_the_page_language(client: FlaskClient) -> None:
    client.set_cookie("aktsom_lang", "nb")
    page = client.get("/report").get_data(as_text=True)
    button = re.search(r'<label for="attachments"[^>]*id="choose-files"[^>]*>([^<]*)</label>',
                       page)
    assert button, "a label for the file input, styled as its button"
    assert button.group(1).strip() == "Velg filer"
    field = re.search(r'<input[^>]*type="file"[^>]*>', page)
    assert field and 'id="attachments"' in field.group(0) and "multiple" in field.group(0)
    assert 'aria-describedby="attachments-hint"' in field.group(0)


def test_the_meeting_checkbox_sits_in_a_flex_label(client: FlaskClient) -> None:
    page = client.get("/report").get_data(as_text=True)
    assert re.search(r'<label class="check"><input[^>]*name="meeting"', page)
