"""Hardening both apps share (design §7): headers, cookies, CSRF, size limits, rate limits,
address-free logging and error pages that leak nothing."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask, Response, g, render_template, request
from flask_limiter import Limiter
from flask_wtf.csrf import CSRFError, CSRFProtect
from limits import RateLimitItemPerMinute
from limits.strategies import MovingWindowRateLimiter
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.serving import WSGIRequestHandler

from config import Settings
from portal.paths import STAFF_PREFIX

CSP = "; ".join(
    (
        "default-src 'none'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": (
        "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
    ),
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
}

ERROR_CODES = (400, 403, 404, 405, 413, 429, 500)


def init_proxy(app: Flask, settings: Settings) -> None:
    """Trust X-Forwarded-For/-Proto from exactly `trusted_proxies` proxies (werkzeug ProxyFix).

    The address only ever feeds the keyed rate-limit hash; it is never stored or logged.
    """
    if settings.trusted_proxies > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.trusted_proxies, x_proto=settings.trusted_proxies
        )


def init_security_headers(app: Flask, settings: Settings) -> None:
    @app.after_request
    def _headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if settings.hsts:
            response.headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
        if request.endpoint != "static" or response.status_code >= 400:
            # Any page may show case data; nothing but static assets may be kept by a cache.
            response.headers["Cache-Control"] = "no-store, max-age=0"
            response.headers["Pragma"] = "no-cache"
        return response


# How long a form's CSRF token stays valid. A reporter may take a long time over a report
# (slowly, over Tor, between other things); a token of the staff side is useless after the
# longest staff session anyway (AKTSOM_STAFF_ABSOLUTE_HOURS), and a shorter limit would throw
# away a long note written while another tab kept the session alive.
REPORTER_FORM_LIFETIME = timedelta(hours=4)


def configure_cookies(app: Flask, settings: Settings, cookie_name: str, path: str = "/",
                      form_lifetime: timedelta = REPORTER_FORM_LIFETIME) -> None:
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_NAME=cookie_name,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=settings.cookie_secure,
        SESSION_COOKIE_PATH=path,
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        # Flask's form parser buffers fields in memory: cap them. Files go to an encrypted spool
        # (portal.upload_spool).
        MAX_FORM_MEMORY_SIZE=512 * 1024,
        WTF_CSRF_TIME_LIMIT=int(form_lifetime.total_seconds()),
        WTF_CSRF_SSL_STRICT=False,
    )


def init_csrf(app: Flask) -> None:
    CSRFProtect(app)


def client_fingerprint(secret: str) -> Callable[[], str]:
    """A rate-limit key that identifies a client for a while without storing its address:
    a keyed hash, so neither the memory store nor Redis ever holds an address in clear."""
    key = hashlib.sha256(b"aktsom-rate-limit\0" + secret.encode()).digest()

    def _key() -> str:
        address = (request.remote_addr or "").encode()
        return hmac.new(key, address, hashlib.sha256).hexdigest()[:32]

    return _key


_NOT_AN_ATTEMPT = "aktsom_not_an_attempt"


def not_an_attempt() -> None:
    """Mark this POST as refused before it reached a service (a form with fields missing or
    invalid): it does not spend the client's rate budget, so a reporter who sends an
    incomplete form a few times is not locked out of sending the real one. A post that fails
    the CSRF check never reaches the limit at all."""
    g.setdefault(_NOT_AN_ATTEMPT, True)


def _counts_as_attempt(response: Response) -> bool:
    # A 429 is the limit answering: counting it would keep out a client who merely retries.
    return response.status_code != 429 and not g.get(_NOT_AN_ATTEMPT, False)


_LIMIT_KEYS = "aktsom_limit_keys"


def limit_key(app: Flask, endpoint: str, material: Callable[[], str | None]) -> None:
    """Key the rate limit of `endpoint` by `material()` (a case code typed, a session cookie)
    instead of the client address (issue 14 §6): behind an onion service every reporter has
    the same address, so a limit per address lets one attacker lock everyone out. The
    material is hashed with a key from the secret before it reaches the limiter's store; when
    it is None the address is used. Register before `init_rate_limits` runs."""
    app.extensions.setdefault(_LIMIT_KEYS, {})[endpoint] = material


def _keyed(secret: str, endpoint: str, material: Callable[[], str | None],
           fallback: Callable[[], str]) -> Callable[[], str]:
    key = hashlib.sha256(b"aktsom-rate-limit-material\0" + secret.encode()).digest()

    def _key() -> str:
        value = material()
        if value is None:
            return fallback()
        digest = hmac.new(key, f"{endpoint}\0{value}".encode(), hashlib.sha256).hexdigest()
        return "k:" + digest[:32]

    return _key


# Seam for tests: how the global cap waits.
_sleep = time.sleep


class GradualSlowdown:
    """A global cap that slows everyone down gradually instead of locking anyone out
    (issue 14 §6). Every limited POST counts in a one-minute moving window shared by all
    clients (in Redis when configured, so across workers). Up to `per_minute` a post is not
    delayed; above it each one waits in proportion to the excess, reaching `max_seconds` at
    twice `per_minute` and staying there. Nobody is refused by it: a flood makes the
    channel slower for all, it never shuts anyone out (the per-key limits do the refusing,
    and they are per case code or per session, not per address)."""

    def __init__(self, limiter: Limiter, per_minute: int, max_seconds: float) -> None:
        self.per_minute = max(1, per_minute)
        self.max_seconds = max(0.0, max_seconds)
        # Counted up to ten times the threshold: beyond that the delay is at its maximum.
        self._window = RateLimitItemPerMinute(self.per_minute * 10)
        self._limiter = limiter

    def _strategy(self) -> MovingWindowRateLimiter:
        return MovingWindowRateLimiter(self._limiter.storage)

    def delay_for(self, count: int) -> float:
        excess = count - self.per_minute
        if excess <= 0:
            return 0.0
        return min(self.max_seconds, self.max_seconds * excess / self.per_minute)

    def recent(self) -> int:
        stats = self._strategy().get_window_stats(self._window, "aktsom-global")
        return self._window.amount - stats.remaining

    def wait(self) -> float:
        """Count this post and wait as the load asks; the seconds waited."""
        strategy = self._strategy()
        strategy.hit(self._window, "aktsom-global")
        delay = self.delay_for(self.recent())
        if delay > 0:
            _sleep(delay)
        return delay


def init_rate_limits(app: Flask, settings: Settings, limits: dict[str, str]) -> Limiter:
    """Attach a limiter to `app` and apply `limits` (endpoint -> limit string) to its views.

    Limits are applied after the blueprints are registered, so views stay free of globals.
    A request is checked against the limit before the view runs and counted after it, unless
    the view said `not_an_attempt()`. Between the check and the count a few requests in
    flight at once can pass together; one worker process serves only a few at a time.
    An endpoint registered with `limit_key` is limited per that key, not per address; every
    limited POST also goes through the global `GradualSlowdown`.
    """
    storage = settings.redis_url or "memory://"
    by_address = client_fingerprint(settings.secret_key)
    limiter = Limiter(
        key_func=by_address,
        app=app,
        storage_uri=storage,
        strategy="moving-window",
        headers_enabled=False,
    )
    keys = app.extensions.get(_LIMIT_KEYS, {})
    for endpoint, limit in limits.items():
        view = app.view_functions[endpoint]
        material = keys.get(endpoint)
        key_func = (_keyed(settings.secret_key, endpoint, material, by_address)
                    if material is not None else by_address)
        app.view_functions[endpoint] = limiter.limit(  # type: ignore[assignment]
            limit, key_func=key_func, methods=["POST"], deduct_when=_counts_as_attempt)(view)
    slowdown = GradualSlowdown(limiter, settings.rate_limit_global_per_minute,
                               settings.rate_limit_slowdown_max_seconds)
    app.extensions["aktsom.slowdown"] = slowdown

    @app.before_request
    def _slow_down_under_load() -> None:
        if request.method == "POST" and request.endpoint in limits:
            slowdown.wait()

    return limiter


_LIMITED_FORMS = "aktsom_limited_forms"


def answer_limits_with_form(app: Flask, endpoint: str,
                            render: Callable[[], tuple[str, int]]) -> None:
    """When the rate limit refuses a POST to `endpoint`, answer with `render()` (the form
    again, filled in from the post, and status 429) instead of the bare 429 page: a reporter
    who is slowed down keeps what they wrote (issue 14 §2)."""
    app.extensions.setdefault(_LIMITED_FORMS, {})[endpoint] = render


_EXPIRED_FORMS = "aktsom_expired_forms"


def answer_csrf_failures_with_form(app: Flask, endpoint: str,
                                   render: Callable[[], tuple[str, int]]) -> None:
    """When a POST to `endpoint` fails the CSRF check (its form older than the token's
    lifetime, or its session cookie lost, as after Tor Browser's "New identity"), answer with
    `render()` instead of the bare 400 page: the form again, filled in from the post, with a
    fresh token and a word that it had expired (issue 14 §2, audit gap 6).

    `render` must only render: the post failed its CSRF check, so nothing it carries may be
    stored or acted on. Any endpoint may register, including views of other blueprints."""
    app.extensions.setdefault(_EXPIRED_FORMS, {})[endpoint] = render


def init_error_pages(app: Flask) -> None:
    def _render(code: int) -> tuple[str, int]:
        try:
            return render_template("errors/error.html", code=code), code
        except Exception as error:  # noqa: BLE001 (an error page must never fail)
            app.logger.error("error page failed: %s", type(error).__name__)
            return f"Error {code}", code

    @app.errorhandler(CSRFError)
    def _csrf(_error: CSRFError) -> tuple[str, int]:
        expired_form = app.extensions.get(_EXPIRED_FORMS, {}).get(request.endpoint or "")
        if expired_form is not None and request.method == "POST":
            # The form again, with what was typed and a fresh token, instead of a bare 400.
            try:
                return expired_form()  # type: ignore[no-any-return]
            except Exception as error:  # noqa: BLE001 (the bare page is still an answer)
                app.logger.error("expired form page failed: %s", type(error).__name__)
        return _render(400)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> tuple[str, int] | HTTPException:
        limited_form = app.extensions.get(_LIMITED_FORMS, {}).get(request.endpoint or "")
        if error.code == 429 and limited_form is not None:
            # The form again, with what was typed, instead of a bare 429 (issue 14 §2).
            return limited_form()  # type: ignore[no-any-return]
        if error.code in ERROR_CODES:
            return _render(error.code or 500)
        return error

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[str, int]:
        # The exception text may hold user input: log the type and the place only.
        app.logger.error(
            "unhandled %s in %s", type(error).__name__, request.endpoint or "-"
        )
        return _render(500)


# Paths whose last segment is a secret (the one-time first-administrator link).
_SECRET_PATH = re.compile(rf"^({re.escape(STAFF_PREFIX)}/setup/)[^/?]+")


def log_safe(text: str, *, quotes: bool = True) -> str:
    """`text` as one harmless log field: every character outside printable ASCII escaped
    (`\\n`, `\\x00`, `\\u202e`), and `\\` and (unless `quotes` is False, for gunicorn,
    which escapes them itself) `"` too. A path is decoded before it is logged, so `%0d%0a` in
    it would otherwise start a forged line, a `"` would end the field early and bidi controls
    would show a line other than the one written."""
    special = '"\\' if quotes else "\\"
    return "".join(
        "\\" + char if char in special
        else char if " " <= char <= "~"
        else char.encode("unicode_escape").decode("ascii")
        for char in text
    )


def loggable_path(path: str, *, quotes: bool = True) -> str:
    """The path as it may be logged: no query string, no secret path segment, escaped."""
    return log_safe(_SECRET_PATH.sub(r"\1[redacted]", path.split("?", 1)[0]), quotes=quotes)


class AddressFreeRequestHandler(WSGIRequestHandler):
    """Werkzeug's development server without client addresses or query strings in its log."""

    def address_string(self) -> str:
        return "-"

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        logging.getLogger("werkzeug").info(
            '"%s %s" %s', log_safe(self.command or ""), loggable_path(self.path), code
        )

    def log(self, type: str, message: str, *args: Any) -> None:  # noqa: A002 (werkzeug's name)
        logging.getLogger("werkzeug").log(
            logging.ERROR if type == "error" else logging.INFO,
            log_safe(message % args if args else message, quotes=False),
        )


# gunicorn's access log without %(h)s (address) or %(a)s (user agent) or the query string.
GUNICORN_ACCESS_LOG_FORMAT = '"%(m)s %(U)s" %(s)s %(B)s %(M)sms'
