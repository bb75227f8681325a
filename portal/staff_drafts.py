"""Text a staff member was sending when their session ended (issue 14, audit gap 5).

A handler writes a reply or an internal note for longer than the staff idle timeout and
presses "Send": the sign-in guard finds no session and sends them to sign in, and a POST
cannot be returned to. For the endpoints registered here the text is kept instead, unsent,
and put back into its box on the page the handler returns to once they have signed in again
as the same user. Nothing is sent automatically.

Where it is kept: a server-side session of kind `draft` (portal.server_sessions), the
same sealing as the reporter's code page. The text is case content, so it is never written
in clear: the row holds it sealed under a random key that only the `aktsom_staff_draft`
cookie (HttpOnly, SameSite=Strict, scoped to the staff path, `DRAFT_LIFETIME` at most)
holds. A copy of the database, even with the server keys, does not open it; the cookie
alone holds no text. Unlike process memory, it survives a sign-in answered by another worker.
The row is bound to the user whose session ended (its `user_id` is part of the sealed
payload's associated data), is deleted when it is put back or found expired, and is purged
with the other idle sessions (`aktsom purge`). The text is never logged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask, current_app, request, url_for
from werkzeug.wrappers import Response

from portal.db import db_session
from portal.extensions import settings_of
from portal.paths import STAFF_PREFIX
from portal.server_sessions import end_session, resume_session, start_session

DRAFT_COOKIE = "aktsom_staff_draft"
DRAFT_KIND = "draft"  # sessions.kind holds at most 10 characters
# Long enough to sign in again (password, authenticator code), short enough that a draft
# left behind does not wait long in the browser.
DRAFT_LIFETIME = timedelta(minutes=30)
# The form fields cap their text lower; this only bounds what is sealed.
MAX_DRAFT = 100_000

_KEEPERS = "aktsom_staff_draft_keepers"


@dataclass(frozen=True)
class Keeper:
    """What to keep of a POST to one endpoint, and where it goes back."""

    form: str  # the page's name for the form whose text box gets the text back
    field: str  # the posted field that holds the text
    back: str  # the endpoint of the page to return to, with the POST's view arguments


@dataclass(frozen=True)
class Draft:
    form: str
    field: str
    text: str


def keep_text_of(app: Flask, endpoint: str, keeper: Keeper) -> None:
    """Keep the text posted to `endpoint` through a sign-in (register before requests)."""
    app.extensions.setdefault(_KEEPERS, {})[endpoint] = keeper


def keep_posted_text(user_id: str, user_generation: int) -> tuple[str, str] | None:
    """If this POST is to a registered endpoint and carries text, seal the text for
    `user_id` and return (the cookie value that opens it, the path to return to)."""
    keeper: Keeper | None = current_app.extensions.get(_KEEPERS, {}).get(
        request.endpoint or "")
    if keeper is None or request.method != "POST":
        return None
    text = request.form.get(keeper.field, "")[:MAX_DRAFT]
    if not text.strip():
        return None
    back = url_for(keeper.back, **(request.view_args or {}))
    payload = json.dumps({"form": keeper.form, "field": keeper.field, "text": text,
                          "back": back}).encode()
    cookie = start_session(db_session(), kind=DRAFT_KIND, payload=payload, user_id=user_id,
                           user_generation=user_generation)
    return cookie, back


def set_draft_cookie(response: Response, cookie: str) -> None:
    response.set_cookie(DRAFT_COOKIE, cookie, max_age=int(DRAFT_LIFETIME.total_seconds()),
                        httponly=True, samesite="Strict",
                        secure=bool(settings_of().cookie_secure), path=STAFF_PREFIX)


def take_draft(user_id: str, user_generation: int) -> Draft | None:
    """The draft kept for `user_id` and this page, once: it is deleted as it is put back.

    A draft of another user (someone else signed in on this browser), or of a session
    generation since ended ("sign out everywhere"), is never shown; it expires with its
    cookie."""
    cookie = request.cookies.get(DRAFT_COOKIE)
    if not cookie:
        return None
    db = db_session()
    opened = resume_session(db, cookie, kind=DRAFT_KIND, idle=DRAFT_LIFETIME,
                            absolute=DRAFT_LIFETIME)
    if opened is None or (opened.row.user_id, opened.row.user_generation) != (
            user_id, user_generation):
        return None
    content = json.loads(opened.payload)
    if content.get("back") != request.path:
        return None
    end_session(db, cookie)
    return Draft(form=str(content["form"]), field=str(content["field"]),
                 text=str(content["text"]))


def clear_draft_cookie(response: Response) -> Response:
    response.delete_cookie(DRAFT_COOKIE, path=STAFF_PREFIX, httponly=True, samesite="Strict",
                           secure=bool(settings_of().cookie_secure))
    return response
