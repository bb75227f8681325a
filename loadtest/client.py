"""A reporter's and a handler's browser over plain HTTP (standard library only), for the load
run and the fault tests that drive a real `aktsom serve` (issue 15 §7-§9).

Each `Browser` keeps its own cookies, follows no redirect by itself, and can be pointed at
several servers in turn (`bases`), as a reverse proxy alternating between app servers would:
the cookies are scoped to 127.0.0.1, so one session travels between them.
"""

from __future__ import annotations

import base64
import http.cookiejar
import itertools
import re
import secrets
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlparse

from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CODE = re.compile(r'id="case-code">([^<]+)<')
CASE_LINK = re.compile(r'href="/admin/cases/([0-9a-f]{32})"')
# As long as gunicorn gives a request (admin/server.py): a slower answer is the server's.
TIMEOUT = 300.0


class ServerError(Exception):
    """A 5xx answer (the load run counts them; it must see none)."""

    def __init__(self, status: int, path: str) -> None:
        super().__init__(f"{status} on {path}")
        self.status = status
        self.path = path


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: object, **_kwargs: object) -> None:
        return None


@dataclass
class Response:
    status: int
    body: str
    location: str = ""


@dataclass
class Browser:
    """One person's browser. `bases` are the servers it talks to, in turn."""

    bases: list[str]
    jar: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)

    def __post_init__(self) -> None:
        self._turn = itertools.cycle(self.bases)
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())

    def _send(self, request: urllib.request.Request, path: str) -> Response:
        try:
            with self._opener.open(request, timeout=TIMEOUT) as answer:
                return Response(answer.status, answer.read().decode("utf-8", "replace"),
                                answer.headers.get("Location", ""))
        except urllib.error.HTTPError as error:
            body = error.read().decode("utf-8", "replace")
            if error.code >= 500:
                raise ServerError(error.code, path) from None
            return Response(error.code, body, error.headers.get("Location", ""))

    def get(self, path: str) -> Response:
        # Loopback http:// bases only (the load run's own servers).
        return self._send(urllib.request.Request(next(self._turn) + path), path)  # noqa: S310

    def post(self, path: str, fields: dict[str, str],
             files: list[tuple[str, str, bytes]] | None = None) -> Response:
        base = next(self._turn)
        if files is None:
            data = urlencode(fields).encode()
            content_type = "application/x-www-form-urlencoded"
        else:
            data, content_type = multipart(fields, files)
        request = urllib.request.Request(  # noqa: S310 (loopback http:// bases only)
            base + path, data=data, method="POST", headers={"Content-Type": content_type})
        return self._send(request, path)

    def token(self, path: str) -> str:
        match = CSRF.search(self.get(path).body)
        if match is None:
            raise AssertionError(f"no CSRF token on {path}")
        return match.group(1)

    def follow(self, response: Response) -> Response:
        if response.status in (301, 302, 303) and response.location:
            return self.get(urlparse(response.location).path or "/")
        return response


def multipart(fields: dict[str, str], files: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    boundary = "aktsom-load-" + secrets.token_hex(8)
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
             f"{value}\r\n".encode() for name, value in fields.items()]
    for name, filename, content in files:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                     f'filename="{filename}"\r\nContent-Type: text/plain\r\n\r\n'.encode())
        parts += [content, b"\r\n"]
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def submit_report(browser: Browser, unit_id: str, text: str,
                  attachment: bytes | None = None) -> str | None:
    """Send a report; the case code shown for it, or None if none was shown."""
    fields = {"csrf_token": browser.token("/report"), "category": "forced_labour",
              "unit": unit_id, "description": text}
    files = [("attachments", "evidence.txt", attachment)] if attachment is not None else []
    answer = browser.follow(browser.post("/report", fields, files))
    match = CODE.search(answer.body)
    return match.group(1) if match else None


def open_with_code(browser: Browser, code: str) -> str | None:
    """The reporter's case page for `code`, or None if the code opens nothing."""
    answer = browser.post("/followup", {"csrf_token": browser.token("/followup"),
                                        "case_code": code})
    if answer.status != 303:
        return None
    return browser.follow(answer).body


def totp_code(secret: str) -> str:
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    # RFC 6238 as authenticator apps do it: HMAC-SHA1 is what the server expects.
    totp = TOTP(key, 6, SHA1(), 30, enforce_key_length=False)  # noqa: S303
    return totp.generate(time.time()).decode()


def sign_in(browser: Browser, email: str, password: str, totp_secret: str) -> bool:
    answer = browser.post("/admin/login", {"csrf_token": browser.token("/admin/login"),
                                           "email": email, "password": password,
                                           "totp": totp_code(totp_secret)})
    return answer.status == 303 and "/login" not in answer.location


def case_ids_on_list(browser: Browser, page: str = "/admin/cases") -> list[str]:
    return CASE_LINK.findall(browser.get(page).body)
