"""Malformed requests refused with the 400 page before any view, CSRF check or rate limit.

Each check closes a 500 a reviewer reproduced with hostile input (issue "hostile input", 3):
werkzeug refuses to route a Host with a label over 63 characters, so no page could be built
for it; a multipart part without a name broke the CSRF check; a text field sent as a file
reached a validator as a `FileStorage`; PostgreSQL refuses NUL in text, so a NUL that
reached a query failed there. Refusing these at the edge, once, fixes every form and route,
including the ones added later.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from flask import Flask, abort, request

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

# RFC 1123 host names (labels of 1-63 letters, digits and hyphens; `_` as some internal names
# have it), an IPv4 address, or a bracketed IPv6 address; an optional port.
_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
_HOST = re.compile(rf"(?:{_LABEL}(?:\.{_LABEL})*\.?|\[[0-9A-Fa-f:.]+\])(?::[0-9]{{1,5}})?")
_MAX_HOST_LENGTH = 253 + 6
# A bad Host is replaced by this reserved name (RFC 2606) so that the 400 page can be built:
# pages are linked by path only, so the name never appears in one.
_PLACEHOLDER_HOST = "invalid-host.invalid"
_BAD_HOST = "aktsom.bad_host"
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def valid_host(host: str) -> bool:
    """True for a Host header werkzeug can route on (every label at most 63 characters)."""
    return len(host) <= _MAX_HOST_LENGTH and _HOST.fullmatch(host) is not None


class HostCheck:
    """WSGI middleware: a request with a malformed Host is marked and given a placeholder host,
    so the app itself answers it with its 400 page instead of failing to build any page."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        host = environ.get("HTTP_HOST")
        if host is not None and not valid_host(host):
            environ["HTTP_HOST"] = _PLACEHOLDER_HOST
            environ[_BAD_HOST] = True
        return self.app(environ, start_response)


def _malformed_form(file_fields: frozenset[str]) -> bool:
    # A file where the form expects text would reach a text validator as a FileStorage.
    if any(not name or name not in file_fields for name in request.files):
        return True
    return any(not name or "\0" in value for name, value in request.form.items(multi=True))


def _malformed_address() -> bool:
    if not request.path.isprintable():
        return True
    return any("\0" in value for value in request.args.values())


def init_input_checks(app: Flask, file_fields: Iterable[str] = ()) -> None:
    """Refuse malformed requests to `app` with 400. `file_fields` are the only form fields
    that may carry files (the reporter's `attachments`; on the staff side the supplier list
    and the country table, `supplier_list` and `country_table`: admin/__init__.py).

    Call before `init_csrf`: hooks run in the order they are added, and the CSRF check reads
    the form these checks guard.
    """
    allowed = frozenset(file_fields)
    app.wsgi_app = HostCheck(app.wsgi_app)  # type: ignore[method-assign]

    @app.before_request
    def _refuse_malformed() -> None:
        if request.environ.get(_BAD_HOST) or _malformed_address():
            abort(400)
        if request.method in _BODY_METHODS and _malformed_form(allowed):
            abort(400)
