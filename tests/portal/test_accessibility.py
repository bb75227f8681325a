"""Structural accessibility checks on the reporter pages (WCAG 2.1: 1.3.1, 2.4.1, 3.1.1,
3.3.2, 4.1.2): landmarks, a language, a skip link, and a label for every form control."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from flask.testing import FlaskClient

from tests.portal.conftest import Organisation
from tests.portal.helpers import follow_up, submit


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.label_for: set[str] = set()
        self._label_depth = 0
        self.wrapped_controls = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "label":
            self._label_depth += 1
            if attributes.get("for"):
                self.label_for.add(str(attributes["for"]))
        elif tag in ("input", "select", "textarea") and self._label_depth:
            self.wrapped_controls += 1
            attributes["data-wrapped"] = "1"

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._label_depth -= 1


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def _assert_accessible(html: str) -> None:
    page = _parse(html)
    names = [tag for tag, _ in page.tags]
    for landmark in ("header", "main", "footer", "nav"):
        assert landmark in names, landmark
    html_tag = next(attrs for tag, attrs in page.tags if tag == "html")
    assert html_tag.get("lang")
    assert any(tag == "a" and attrs.get("href") == "#main" for tag, attrs in page.tags)
    assert names.count("h1") == 1
    for tag, attrs in page.tags:
        if tag not in ("input", "select", "textarea") or attrs.get("type") == "hidden":
            continue
        labelled = (attrs.get("id") in page.label_for or attrs.get("data-wrapped")
                    or attrs.get("aria-label"))
        assert labelled, f"unlabelled {tag} {attrs}"


@pytest.mark.parametrize("path", ["/", "/report", "/followup", "/no-such-page"])
def test_public_pages_are_structurally_accessible(client: FlaskClient,
                                                  organisation: Organisation,
                                                  path: str) -> None:
    _assert_accessible(client.get(path).get_data(as_text=True))


def test_case_page_is_structurally_accessible(client: FlaskClient,
                                              organisation: Organisation) -> None:
    follow_up(client, submit(client, organisation.unit_id, "Something."))
    _assert_accessible(client.get("/case").get_data(as_text=True))
