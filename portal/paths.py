"""The staff side's place in the URL space, which both apps and the WSGI dispatcher share.

The staff app serves every URL under `STAFF_PREFIX` (blueprints, static files, its cookies'
path), whether it shares a host with the portal or runs alone; the combined WSGI app routes on
it; the portal needs it for the link in staff mail and to keep the one-time set-up link out of
logs. It lives in `portal` because `admin` and `supplier_dd` may import from here, and `portal`
may not import from them.
"""

from __future__ import annotations

from urllib.parse import urlsplit

STAFF_PREFIX = "/admin"


def is_staff_path(path: str) -> bool:
    """True for the staff prefix itself and everything below it (not for `/administration`)."""
    return path == STAFF_PREFIX or path.startswith(STAFF_PREFIX + "/")


def same_site_path(target: str | None) -> str | None:
    """`target` if it is a path on this site that is safe to redirect to, else None.

    Never an open redirect (no scheme, host, `//` or backslash), and no control, format or
    separator characters: CR/LF in a Location header made werkzeug refuse the response (a
    500), and bidi controls would make the address lie about where it leads.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or not target.isprintable():
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
