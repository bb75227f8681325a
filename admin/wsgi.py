"""WSGI entry points. For one machine, `combined_app` serves the portal at / and the staff app
under /admin in one process; larger set-ups serve each app on its own host."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import NotFound

from config import Settings, load_settings
from portal.paths import is_staff_path

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment


class PathDispatcher:
    """Send /admin and everything below it to the staff app, the rest to the portal.

    Unlike werkzeug's DispatcherMiddleware it does not move the prefix into SCRIPT_NAME: the
    staff app owns its /admin URLs, so the same app object works mounted or alone.
    """

    def __init__(self, portal_app: WSGIApplication | None, admin_app: WSGIApplication | None):
        self.portal_app = portal_app
        self.admin_app = admin_app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path: str = environ.get("PATH_INFO", "") or "/"
        target = self.admin_app if is_staff_path(path) else self.portal_app
        if target is None:
            return NotFound()(environ, start_response)
        return target(environ, start_response)


def build_wsgi_app(which: str = "all", settings: Settings | None = None) -> Any:
    import admin
    import portal

    settings = settings or load_settings()
    portal_app = portal.create_app(settings) if which in ("all", "portal") else None
    admin_app = admin.create_app(settings) if which in ("all", "admin") else None
    return PathDispatcher(portal_app, admin_app)
