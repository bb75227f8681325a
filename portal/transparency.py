"""The public page of the Transparency Act accounts: GET /transparency (issue 13 §5).

It shows each company's published accounts, every version, newest first, from the frozen
snapshots only (`PublishedAccount`), never from live data; a published account reads the same
whatever happens to the cases and suppliers afterwards. Plain HTML, works with JS off.

The Markdown subset of the §5 texts is rendered here, in the portal, so that the staff app's
preview and the public page share one renderer, and the public page sanitises what it shows
itself instead of trusting HTML stored in the database.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

import bleach
from flask import Blueprint, abort, render_template, url_for
from flask_babel import get_locale
from markdown_it import MarkdownIt
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.db import db_session
from portal.extensions import server_keys_of, settings_of
from portal.models import PublishedAccount
from portal.serverkeys import ServerKeys

bp = Blueprint("transparency", __name__)

# The portal's own page of the accounts, where they are published unless the setting
# AKTSOM_TRANSPARENCY_PUBLICATION_URL names another place.
PORTAL_PAGE = "/transparency"

# Paragraphs, line breaks, emphasis, lists and links: raw HTML, images, headings and tables
# are not part of the subset (markdown-it's "zero" preset has everything off).
_MARKDOWN = MarkdownIt("zero").enable(["emphasis", "list", "link", "newline"])
ALLOWED_TAGS = frozenset({"p", "br", "strong", "em", "ul", "ol", "li", "a"})
ALLOWED_ATTRIBUTES = {"a": ["href"]}
ALLOWED_PROTOCOLS = frozenset({"https", "http", "mailto"})


def render_markdown(text: str) -> Markup:
    """The Markdown subset as sanitised HTML: bleach keeps only the allow-list, so neither a
    tag nor a `javascript:` link gets through whatever the parser lets pass."""
    html = _MARKDOWN.render(text or "")
    clean = bleach.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                         protocols=ALLOWED_PROTOCOLS, strip=True)
    return Markup(clean)  # noqa: S704 - sanitised by bleach just above


def canonical_json(value: Any) -> str:
    """The one serialisation a snapshot is stored and hashed in."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def digest_of(keys: ServerKeys, text: str) -> str:
    """HMAC-SHA-256 of a snapshot under a key derived from the server keys: someone who can
    write to the database but does not hold the key file cannot change a published account
    (or plant one) without the page refusing to show it."""
    key = hmac.new(keys.audit, b"aktsom published transparency account v1",
                   hashlib.sha256).digest()
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def publication_address(url: str | None, portal_page: str = PORTAL_PAGE) -> str:
    """Where the group publishes its accounts, which every account states (issue 13 §5): the
    URL frozen with the account from AKTSOM_TRANSPARENCY_PUBLICATION_URL (https only), else
    the portal's own Transparency Act page, `portal_page`: absolute where the portal's own
    request can give it (`url_for(..., _external=True)` on the public page), the path where
    the address the portal is reached at is not known (the staff app, `aktsom annual-report`).
    """
    return url if url and url.startswith("https://") else portal_page


@dataclass(frozen=True)
class PublicAccount:
    id: str
    year: int
    version: int
    company: str
    content: dict[str, Any]
    # False when the stored snapshot fails its HMAC: not shown, not even in part.
    intact: bool


def _public(row: PublishedAccount, keys: ServerKeys) -> PublicAccount:
    intact = hmac.compare_digest(digest_of(keys, row.snapshot), row.digest)
    try:
        content = json.loads(row.snapshot) if intact else {}
    except ValueError:
        intact, content = False, {}
    return PublicAccount(id=row.id, year=row.year, version=row.version,
                         company=str(content.get("company", "")), content=content,
                         intact=intact)


def published_accounts(db: Session,
                       keys: ServerKeys) -> list[tuple[str, list[PublicAccount]]]:
    """Each company's (and the group's) published accounts, newest year and version first;
    a row that fails its check is left out."""
    rows = db.scalars(select(PublishedAccount).order_by(
        PublishedAccount.year.desc(), PublishedAccount.version.desc()))
    by_company: dict[str, list[PublicAccount]] = {}
    for row in rows:
        account = _public(row, keys)
        if not account.intact:
            continue
        by_company.setdefault(account.company, []).append(account)
    return sorted(by_company.items())


@bp.get("/transparency")
def index() -> str:
    return render_template("pages/transparency.html",
                           companies=published_accounts(db_session(), server_keys_of()),
                           organisation=settings_of().organisation_name)


@bp.get("/transparency/<account_id>")
def account(account_id: str) -> str:
    row = db_session().get(PublishedAccount, account_id)
    if row is None:
        abort(404)
    public = _public(row, server_keys_of())
    url = public.content.get("publication_url")
    return render_template("pages/transparency_account.html", account=public,
                           render_markdown=render_markdown,
                           labels=labels_for(public.content, str(get_locale() or "en")),
                           publication_at=publication_address(
                               url if isinstance(url, str) else None,
                               url_for("transparency.index", _external=True)))


def labels_for(content: dict[str, Any], language: str) -> dict[str, str]:
    """The figures' labels frozen with the account: Norwegian for Norwegian readers,
    English for everyone else (the account is written in those two languages)."""
    labels = content.get("labels") or {}
    chosen = labels.get("nb" if language.startswith(("nb", "no", "nn")) else "en") or {}
    return {str(key): str(value) for key, value in chosen.items()}
