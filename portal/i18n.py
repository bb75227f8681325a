"""Translations (Flask-Babel). The reporter picks a language once; a cookie carries the choice
through the whole dialogue, and the case remembers it for handlers' standard messages."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, redirect, request, url_for
from flask_babel import Babel, get_locale
from werkzeug.wrappers import Response

from config import Settings
from portal.extensions import settings_of
from portal.paths import same_site_path

LANGUAGE_COOKIE = "aktsom_lang"
TRANSLATIONS_DIR = Path(__file__).parent / "translations"

# Each language named in itself, so a reporter finds theirs without reading English.
LANGUAGE_NAMES = {
    "en": "English",
    "nb": "Norsk bokmål",
    "sv": "Svenska",
    "da": "Dansk",
    "pl": "Polski",
    "zh": "中文",
    "vi": "Tiếng Việt",
}

bp = Blueprint("i18n", __name__)


@bp.get("/language/<code>")
def choose_language(code: str) -> Response:
    """Set the language cookie and go back. Works without JavaScript (a plain link)."""
    # Only same-site paths without control characters: never an open redirect or a 500.
    target = same_site_path(request.args.get("next")) or request.script_root + "/"
    response = redirect(target, code=303)
    set_language_cookie(response, code)
    return response


def set_language_cookie(response: Response, code: str) -> None:
    """Remember the language (nothing else) until the browser closes; unknown codes are
    ignored. A session cookie on purpose: a lasting cookie would leave a trace on a shared or
    employer's device that someone visited the whistleblowing channel."""
    settings = settings_of()
    if code in settings.languages:
        response.set_cookie(
            LANGUAGE_COOKIE,
            code,
            httponly=True,
            samesite="Strict",
            secure=bool(settings.cookie_secure),
            path="/",
        )


def init_i18n(app: Flask, settings: Settings, home_url: str, url_prefix: str = "") -> None:
    def select_locale() -> str:
        chosen = request.cookies.get(LANGUAGE_COOKIE)
        if chosen in settings.languages:
            return chosen
        best = request.accept_languages.best_match(settings.languages)
        return best or settings.default_language

    Babel(
        app,
        locale_selector=select_locale,
        default_locale=settings.default_language,
        default_translation_directories=str(TRANSLATIONS_DIR),
    )
    app.register_blueprint(bp, url_prefix=url_prefix or None)

    def language_url(code: str) -> str:
        # With the query string, so a filtered list stays filtered in the new language
        # (issue 14 §8); `choose_language` checks the path as before.
        here = request.full_path if request.query_string else request.path
        return url_for("i18n.choose_language", code=code, next=here)

    @app.context_processor
    def _layout_context() -> dict[str, object]:
        return {
            "available_languages": [
                (code, LANGUAGE_NAMES.get(code, code)) for code in settings.languages
            ],
            "language_url": language_url,
            "organisation_name": settings.organisation_name,
            "home_url": home_url,
            "current_language": str(get_locale() or settings.default_language),
        }
