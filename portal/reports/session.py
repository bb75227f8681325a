"""The reporter's session: the case key, sealed server-side under a key held by the cookie."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import g, request
from werkzeug.wrappers import Response

from portal.db import db_session
from portal.extensions import settings_of
from portal.models import Case
from portal.server_sessions import end_session, resume_session, start_session

COOKIE = "aktsom_case"
KIND = "reporter"


@dataclass(frozen=True)
class ReporterContext:
    case: Case
    case_key: bytes


def begin(response: Response, case: Case, case_key: bytes) -> None:
    """Start a new server-side session for this case and set its cookie on `response`."""
    settings = settings_of()
    # A new session for every sign-in with a code; an earlier one in this browser ends now.
    end_session(db_session(), request.cookies.get(COOKIE))
    cookie = start_session(db_session(), kind=KIND, payload=case_key, case_id=case.id)
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
        if case is not None:
            context = ReporterContext(case=case, case_key=opened.payload)
    g.reporter = context
    return context


def finish(response: Response) -> None:
    """End the session on the server and drop the cookie."""
    end_session(db_session(), request.cookies.get(COOKIE))
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="Strict",
                           secure=bool(settings_of().cookie_secure))
