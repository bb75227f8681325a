"""When the database or the file store is down: a 503 page that keeps what was typed.

Issue 15 §9. A reporter who pressed "Send" while the database was unreachable, or while the
file store was full or read-only, must not lose a long account of what happened, and must
not be shown a case code for something that was never stored. Both apps answer such a
failure, whether it comes from the view or from the request's one commit (portal.db), with
this page: status 503, in the reporter's language (chosen from the cookie or the browser,
never from the database), the typed text back in editable fields, and the other fields kept
as hidden inputs, so "Try again" sends the same form once the service is back. Files cannot
be kept (a browser never refills a file input); the page names them. Nothing was stored: the
transaction rolled back and the files it wrote were deleted (portal.db `on_rollback`).
"""

from __future__ import annotations

import logging

from flask import Flask, g, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.wrappers import Response

from portal.db import OUTAGE_RESPONSE
from portal.filenames import safe_filename
from portal.storage import StoreUnavailable

_log = logging.getLogger("aktsom.outage")
RETRY_AFTER_SECONDS = 30
# Fields whose value is free text the person wrote: shown again in editable boxes. Every
# other posted field is carried along hidden; CSRF tokens are made afresh.
FREE_TEXT_LABELS = {
    "description": _l("What happened"),
    "body": _l("Your message"),
    "contact": _l("How we can reach you"),
    "supplier": _l("Supplier"),
    "location": _l("Where it happened"),
    "period": _l("When it happened"),
}
_NOT_CARRIED = frozenset({"csrf_token", "password", "totp", "case_code", "code", "last_group"})


def is_outage(error: BaseException) -> bool:
    """True for a failure of the database connection or of the file store, not of the code."""
    if isinstance(error, StoreUnavailable):
        return True
    if isinstance(error, OperationalError | InterfaceError):
        return True
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)


def outage_response(error: BaseException) -> Response:
    """The 503 page for `error` (an `is_outage` failure), with the posted text kept."""
    # The type only: the message of a driver error can quote SQL parameters.
    _log.error("service unavailable: %s in %s", type(error).__name__, request.endpoint or "-")
    # Nothing on this page may need the database: the staff layout would look up the
    # signed-in user, and that is what just failed.
    g.aktsom_staff = None
    store_failed = isinstance(error, StoreUnavailable)
    texts, hidden = [], []
    if request.method == "POST":
        for name, value in request.form.items(multi=True):
            if name in _NOT_CARRIED:
                continue
            if name in FREE_TEXT_LABELS:
                texts.append((name, FREE_TEXT_LABELS[name], value))
            else:
                hidden.append((name, value))
    files = [safe_filename(item.filename) for items in request.files.lists()
             for item in items[1] if item.filename] if request.method == "POST" else []
    try:
        body = render_template("errors/unavailable.html", store_failed=store_failed,
                               texts=texts, hidden=hidden, files=files,
                               action=request.path if request.method == "POST" else None)
    except Exception as failure:  # noqa: BLE001 (an error page must never fail)
        _log.error("the unavailable page failed: %s", type(failure).__name__)
        body = "Service unavailable. Nothing was stored. Please try again in a few minutes."
    response = Response(body, status=503, mimetype="text/html")
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store, max-age=0"
    return response


def init_outage_pages(app: Flask) -> None:
    """Answer database and file store outages in `app` with the 503 page."""
    app.extensions[OUTAGE_RESPONSE] = outage_response
    for error_class in (OperationalError, InterfaceError, StoreUnavailable):
        app.register_error_handler(error_class, outage_response)
