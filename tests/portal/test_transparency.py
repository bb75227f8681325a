"""The public Transparency Act page (issue 13 §5): only published snapshots, every version,
newest first, linked from the landing page; the Markdown subset sanitised with bleach."""

from __future__ import annotations

import hashlib

from flask import Flask
from sqlalchemy import update

from portal.db import session_factory, transaction
from portal.extensions import server_keys_of
from portal.models import PublishedAccount
from portal.transparency import canonical_json, digest_of, render_markdown


def _publish(app: Flask, *, year: int, version: int, company: str, text: str,
             publication_url: str | None = None) -> str:
    content = {"year": year, "company": company, "version": version,
               "published_on": f"{year + 1}-06-0{version}", "publication_url": publication_url,
               "texts": {"a": {"nb": text, "en": "English " + text},
                         "b": {"nb": "Funn.", "en": "Findings."},
                         "c": {"nb": "Tiltak.", "en": "Measures."}},
               "figures": {"year": year, "previous_year": year - 1, "small_count_k": 3,
                           "tables": [{"key": "reports_received", "rows": [
                               {"key": "total", "current": {"value": 12, "status": "shown"},
                                "previous": {"value": None, "status": "small"}}]}],
                           "medians": []},
               "signatures": [{"company": company, "name": "Kari Styre",
                               "role": "Chair of the board", "signed_on": f"{year + 1}-05-30"}]}
    snapshot = canonical_json(content)
    with app.app_context(), transaction(session_factory(app)) as db:
        row = PublishedAccount(year=year, scope="group", version=version, snapshot=snapshot,
                               digest=digest_of(server_keys_of(app), snapshot))
        db.add(row)
        db.flush()
        return row.id


def test_markdown_keeps_the_subset_and_drops_scripts_styles_and_script_links() -> None:
    html = str(render_markdown(
        "Vi har **rutiner** og *tiltak*.\n\n- én\n- [to](https://example.org)\n\n"
        "<script>alert(1)</script>\n\n<style>body{}</style>\n\n[x](javascript:alert(1))\n\n"
        '<a href="javascript:alert(2)">y</a> <img src=x onerror=alert(3)>'))
    assert "<strong>rutiner</strong>" in html and "<em>tiltak</em>" in html
    assert '<li><a href="https://example.org">to</a></li>' in html
    assert "<script" not in html and "<style" not in html and "<img" not in html
    # What is not markup stays visible as text, escaped; nothing of it is a live link.
    assert 'href="javascript' not in html and "<a href=\"javascript" not in html
    assert "&lt;script&gt;" in html


def test_bleach_removes_what_the_parser_would_let_through(monkeypatch: object) -> None:
    # Even if the parser emitted raw HTML, the allow-list stands.
    import portal.transparency as transparency

    class Raw:
        def render(self, text: str) -> str:
            return text

    monkeypatch.setattr(transparency, "_MARKDOWN", Raw())  # type: ignore[attr-defined]
    html = str(transparency.render_markdown(
        '<p>ok</p><script>alert(1)</script><style>x</style>'
        '<a href="javascript:alert(1)" onclick="x()">link</a><iframe src="https://x"></iframe>'))
    assert "<p>ok</p>" in html
    assert "<script" not in html and "<style" not in html and "<iframe" not in html
    assert "javascript:" not in html and "onclick" not in html


def test_the_page_lists_published_versions_newest_first(portal_app: Flask) -> None:
    client = portal_app.test_client()
    empty = client.get("/transparency").get_data(as_text=True)
    assert "No account has been published yet." in empty
    older = _publish(portal_app, year=2024, version=1, company="Konsern AS", text="Første.")
    newer = _publish(portal_app, year=2024, version=2, company="Konsern AS", text="Andre.")
    page = client.get("/transparency").get_data(as_text=True)
    assert page.index(f"/transparency/{newer}") < page.index(f"/transparency/{older}")
    shown = client.get(f"/transparency/{older}").get_data(as_text=True)
    assert "Første." in shown and "English Første." in shown and "Kari Styre" in shown
    assert "<td>12</td>" in shown and "&lt; 3" in shown


def test_the_landing_page_links_to_the_accounts(portal_app: Flask) -> None:
    assert 'href="/transparency"' in portal_app.test_client().get("/").get_data(as_text=True)


def test_a_changed_or_planted_snapshot_is_not_shown(portal_app: Flask) -> None:
    account_id = _publish(portal_app, year=2024, version=1, company="Konsern AS",
                          text="Ekte tekst.")
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        row = db.get(PublishedAccount, account_id)
        assert row is not None
        db.execute(update(PublishedAccount).values(
            snapshot=row.snapshot.replace("Ekte tekst.", "Forfalsket.")))
    client = portal_app.test_client()
    page = client.get(f"/transparency/{account_id}").get_data(as_text=True)
    assert "does not match what was published" in page and "Forfalsket." not in page
    # Recomputing a plain hash does not help: the check is keyed with the server keys.
    with portal_app.app_context(), transaction(session_factory(portal_app)) as db:
        row = db.get(PublishedAccount, account_id)
        assert row is not None
        row.digest = hashlib.sha256(row.snapshot.encode()).hexdigest()
        planted = canonical_json({"company": "Planted AS", "year": 2023, "texts": {},
                                  "figures": {}, "signatures": [], "published_on": "x"})
        db.add(PublishedAccount(year=2023, scope="group", version=1, snapshot=planted,
                                digest=hashlib.sha256(planted.encode()).hexdigest()))
    assert "does not match" in client.get(f"/transparency/{account_id}").get_data(
        as_text=True)
    listing = client.get("/transparency").get_data(as_text=True)
    assert "Planted AS" not in listing and "Konsern AS" not in listing


def test_an_unknown_account_is_404(portal_app: Flask) -> None:
    assert portal_app.test_client().get(f"/transparency/{'0' * 32}").status_code == 404


def test_the_publication_date_is_in_the_reader_s_language(portal_app: Flask) -> None:
    """Session 4 noticed the public page showed the snapshot's ISO text ("2025-06-01")."""
    account_id = _publish(portal_app, year=2024, version=1, company="Konsern AS", text="T.")
    client = portal_app.test_client()
    client.get("/language/en?next=/")
    english = client.get("/transparency").get_data(as_text=True)
    assert "published Jun 1, 2025" in english and "2025-06-01" not in english
    client.get("/language/nb?next=/")
    norwegian = client.get(f"/transparency/{account_id}").get_data(as_text=True)
    assert "1. juni 2025" in norwegian and "2025-06-01" not in norwegian


def test_the_account_states_where_the_group_publishes_it(portal_app: Flask) -> None:
    """Issue 13 §5, gap 2 of the audit: every account states where the group publishes it:
    the URL frozen from AKTSOM_TRANSPARENCY_PUBLICATION_URL when it was set, otherwise the
    portal's own /transparency page as an absolute address (before, nothing was said)."""
    client = portal_app.test_client()
    elsewhere = _publish(portal_app, year=2024, version=1, company="Konsern AS", text="T.",
                         publication_url="https://konsern.example/apenhetsloven")
    page = client.get(f"/transparency/{elsewhere}").get_data(as_text=True)
    assert ("The group publishes its Transparency Act accounts at: "
            '<a href="https://konsern.example/apenhetsloven"') in page
    here = _publish(portal_app, year=2024, version=2, company="Konsern AS", text="T.")
    page = client.get(f"/transparency/{here}").get_data(as_text=True)
    assert ("The group publishes its Transparency Act accounts at: "
            '<a href="http://localhost/transparency"') in page
    # Only an https address from the snapshot is stated as such.
    plain = _publish(portal_app, year=2023, version=1, company="Konsern AS", text="T.",
                     publication_url="http://konsern.example/x")
    page = client.get(f"/transparency/{plain}").get_data(as_text=True)
    assert "konsern.example" not in page and 'href="http://localhost/transparency"' in page
