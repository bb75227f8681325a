"""Issue 15: every page lists a link per offered language (24), each built by `url_for`
(about a tenth of a small page's CPU). The link is now built once per page and the code put
in its place; the links are the ones `url_for` makes, query string kept."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import url_for

import portal.i18n

_LINK = re.compile(r'<a href="([^"]*/language/[^"]*)" lang="([a-z]+)"')


def test_issue15_language_links_built_once_per_page_and_as_url_for_makes_them(
        make_portal_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_portal_app()
    built: list[str] = []
    real = portal.i18n.url_for

    def counting(endpoint: str, **values: Any) -> str:
        built.append(endpoint)
        return real(endpoint, **values)

    monkeypatch.setattr(portal.i18n, "url_for", counting)
    client = app.test_client()
    page = client.get("/followup?unit=NOPE&x=a%26b").get_data(as_text=True)
    links = _LINK.findall(page)
    assert len(links) >= 20
    assert built.count("i18n.choose_language") == 1
    with app.test_request_context("/followup?unit=NOPE&x=a%26b"):
        from flask import request

        back = request.full_path
        for href, code in links:
            assert href.replace("&amp;", "&") == url_for("i18n.choose_language", code=code,
                                                         next=back)
