"""The reporter's session: the case key, sealed server-side under a key held by the cookie.

The payload is the newest case key and its generation. When a handler leaves someone out of
the case meanwhile, the keys are replaced (portal.cases.rotation) and the session ends: a
reporter writing on under the old key would write for the person just left out. The code
opens the new key at once."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import after_this_request, g, request
from werkzeug.wrappers import Response

from portal.cases.attachments import UploadNotice
from portal.cases.keyring import Keyring, unlock_keyring
from portal.db import db_session
from portal.extensions import settings_of
from portal.models import Case
from portal.server_sessions import end_session, resume_session, start_session
from portal.states import KeyKind

COOKIE = "aktsom_case"
KIND = "reporter"


_GENERATION_BYTES = 4
_KEY_BYTES = 32


@dataclass(frozen=True)
class ReporterContext:
    case: Case
    # The case key of every generation the reporter's wrap opens (never the staff key).
    keys: Keyring


def begin(response: Response, case: Case, keys: Keyring) -> None:
    """Start a new server-side session for this case and set its cookie on `response`."""
    settings = settings_of()
    # A new session for every sign-in with a code; an earlier one in this browser ends now.
    end_session(db_session(), request.cookies.get(COOKIE))
    payload = keys.generation.to_bytes(_GENERATION_BYTES, "big") + keys.newest(KeyKind.CASE)
    cookie = start_session(db_session(), kind=KIND, payload=payload, case_id=case.id)
    response.set_cookie(
        COOKIE, cookie, httponly=True, samesite="Strict", secure=bool(settings.cookie_secure),
        path="/",
    )


def current_reporter() -> ReporterContext | None:
    """The signed-in reporter's case and key, loaded once per request."""
    if "reporter" in g:
        context: ReporterContext | None = g.reporter
        return context
    settings = settings_of()
    db = db_session()
    opened = resume_session(
        db, request.cookies.get(COOKIE), kind=KIND,
        idle=timedelta(minutes=settings.reporter_idle_minutes),
    )
    context = None
    if opened is not None and opened.row.case_id is not None:
        case = db.get(Case, opened.row.case_id)
        generation = int.from_bytes(opened.payload[:_GENERATION_BYTES], "big")
        stale = len(opened.payload) != _GENERATION_BYTES + _KEY_BYTES or (
            case is not None and generation != case.key_generation)
        if stale:
            # Keys replaced since (or a session of the format before generations): the code
            # opens the new ones.
            db.delete(opened.row)
        elif case is not None:
            key = opened.payload[_GENERATION_BYTES:]
            context = ReporterContext(case=case, keys=unlock_keyring(
                db, case.id, generation, {KeyKind.CASE: key}))
    g.reporter = context
    return context


def finish(response: Response) -> None:
    """End the session on the server and drop the cookie."""
    end_session(db_session(), request.cookies.get(COOKIE))
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="Strict",
                           secure=bool(settings_of().cookie_secure))


# The case code page (issue 14 §1): post/redirect/get. After the report is stored, the code
# and what the reporter is told about their files wait in a short-lived server-side session
# sealed under a key only this cookie holds, so reloading the page, Back and a language switch
# show the same code again and never send the report a second time. The code is never in a
# URL, a cookie in clear, a log or a table column in clear.
SUBMITTED_COOKIE = "aktsom_submitted"
SUBMITTED_KIND = "submitted"


@dataclass(frozen=True)
class SubmittedPage:
    code: str
    case_id: str
    routed_to_group: bool
    notices: list[UploadNotice]


def _submitted_lifetime() -> timedelta:
    return timedelta(minutes=settings_of().submitted_code_minutes)


def keep_submitted(response: Response, case: Case, code: str, notices: list[UploadNotice],
                   *, routed_to_group: bool) -> None:
    """Store the code page's content for a while and set its cookie on `response`.

    Stored in the transaction that stores the case: if the commit fails, there is no page."""
    settings = settings_of()
    end_session(db_session(), request.cookies.get(SUBMITTED_COOKIE))
    payload = json.dumps({
        "code": code, "group": routed_to_group, "notices": _notices_data(notices),
    }).encode()
    cookie = start_session(db_session(), kind=SUBMITTED_KIND, payload=payload,
                           case_id=case.id)
    response.set_cookie(
        SUBMITTED_COOKIE, cookie, httponly=True, samesite="Strict",
        secure=bool(settings.cookie_secure), path="/",
        max_age=int(_submitted_lifetime().total_seconds()),
    )


def submitted_page() -> SubmittedPage | None:
    """The code page of this browser's report, if it has not expired or been closed."""
    lifetime = _submitted_lifetime()
    opened = resume_session(db_session(), request.cookies.get(SUBMITTED_COOKIE),
                            kind=SUBMITTED_KIND, idle=lifetime, absolute=lifetime)
    if opened is None or opened.row.case_id is None:
        return None
    content = json.loads(opened.payload)
    return SubmittedPage(
        code=str(content["code"]), case_id=opened.row.case_id,
        routed_to_group=bool(content["group"]),
        notices=_notices_from(content["notices"]),
    )


def close_submitted(response: Response) -> None:
    """"Done": delete the code page's entry on the server and drop its cookie."""
    end_session(db_session(), request.cookies.get(SUBMITTED_COOKIE))
    response.delete_cookie(SUBMITTED_COOKIE, path="/", httponly=True, samesite="Strict",
                           secure=bool(settings_of().cookie_secure))


def _notices_data(notices: list[UploadNotice]) -> list[dict[str, object]]:
    return [{"name": item.filename, "removed": list(item.removed),
             "unhandled": item.unhandled, "original": item.original_kept}
            for item in notices]


def _notices_from(data: list[dict[str, Any]]) -> list[UploadNotice]:
    return [UploadNotice(filename=str(item["name"]),
                         removed=[str(entry) for entry in item["removed"]],
                         unhandled=bool(item["unhandled"]),
                         original_kept=bool(item["original"]))
            for item in data]


# What the reporter is told about each file of a message just sent (names, what was removed),
# shown once on the case page the send redirects to. Not flashed: Flask's session is a signed,
# not encrypted, cookie, so file names would travel in it in clear. Kept like the code page:
# a short-lived server-side entry sealed under a key only the `aktsom_notices` cookie holds.
NOTICES_COOKIE = "aktsom_notices"
NOTICES_KIND = "notices"
NOTICES_LIFETIME = timedelta(minutes=10)


def keep_notices(response: Response, case: Case, notices: list[UploadNotice]) -> None:
    """Store the file notices of a message just sent, for the page `response` leads to."""
    if not notices:
        return
    db = db_session()
    end_session(db, request.cookies.get(NOTICES_COOKIE))
    cookie = start_session(db, kind=NOTICES_KIND, case_id=case.id,
                           payload=json.dumps(_notices_data(notices)).encode())
    response.set_cookie(NOTICES_COOKIE, cookie, httponly=True, samesite="Strict",
                        secure=bool(settings_of().cookie_secure), path="/",
                        max_age=int(NOTICES_LIFETIME.total_seconds()))


def take_notices(case: Case) -> list[UploadNotice]:
    """The file notices kept for this case's page, once: the entry and its cookie go."""
    cookie = request.cookies.get(NOTICES_COOKIE)
    if not cookie:
        return []
    db = db_session()
    opened = resume_session(db, cookie, kind=NOTICES_KIND, idle=NOTICES_LIFETIME,
                            absolute=NOTICES_LIFETIME)
    after_this_request(_drop_notices_cookie)
    end_session(db, cookie)
    if opened is None or opened.row.case_id != case.id:
        return []
    return _notices_from(json.loads(opened.payload))


def _drop_notices_cookie(response: Response) -> Response:
    response.delete_cookie(NOTICES_COOKIE, path="/", httponly=True, samesite="Strict",
                           secure=bool(settings_of().cookie_secure))
    return response
