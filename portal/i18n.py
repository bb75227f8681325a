"""Translations (Flask-Babel). The reporter picks a language once; a cookie carries the choice
through the whole dialogue, and the case remembers it for handlers' standard messages.

Which languages a page offers: the settings' languages (config/languages.py knows 24) less
those an admin switched off (portal.language_switches); the staff app offers only the staff
languages among them. The picker lists first the languages of the company the page is for
(`?unit=CODE`, the link a company publishes), then the browser's, and puts all others behind
a "More languages" list (`<details>`, no JavaScript needed)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from urllib.parse import quote

from flask import Blueprint, Flask, current_app, g, redirect, request, url_for
from flask_babel import Babel, format_date, format_decimal, get_locale
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from config import Settings
from config.languages import LANGUAGES, STAFF_LANGUAGES, direction, native_name
from portal.db import db_session
from portal.extensions import settings_of
from portal.language_review import LanguageReview, load_reviews
from portal.language_switches import offered_languages, unit_languages
from portal.paths import same_site_path
from portal.privacy_notice import unit_by_code

LANGUAGE_COOKIE = "aktsom_lang"
TRANSLATIONS_DIR = Path(__file__).parent / "translations"
LANGUAGE_REVIEWS = "aktsom.language_reviews"
STAFF_ONLY = "aktsom.staff_languages_only"
# Stands for the language code in a page's language links (`language_url`).
_CODE_PLACE = "languagecodeplace"

# Each language named in itself, so a reporter finds theirs without reading English.
LANGUAGE_NAMES = {language.code: language.native_name for language in LANGUAGES}

bp = Blueprint("i18n", __name__)


@bp.get("/language/<code>")
def choose_language(code: str) -> Response:
    """Set the language cookie and go back. Works without JavaScript (a plain link)."""
    # Only same-site paths without control characters: never an open redirect or a 500.
    target = same_site_path(request.args.get("next")) or request.script_root + "/"
    response = redirect(target, code=303)
    set_language_cookie(response, code)
    return response


def current_languages() -> tuple[str, ...]:
    """The languages this app offers now (once per request: one small query)."""
    if "aktsom_languages" not in g:
        settings = settings_of()
        try:
            offered = offered_languages(db_session(), settings)
        except SQLAlchemyError:
            # An error page while the database is away still renders, in any language.
            offered = settings.languages
        if current_app.extensions.get(STAFF_ONLY):
            offered = tuple(code for code in offered
                            if code in STAFF_LANGUAGES or code == settings.default_language)
        g.aktsom_languages = offered
    languages: tuple[str, ...] = g.aktsom_languages
    return languages


def language_reviews_of(app: Flask | None = None) -> dict[str, LanguageReview]:
    reviews: dict[str, LanguageReview] = (app or current_app).extensions[LANGUAGE_REVIEWS]
    return reviews


def set_language_cookie(response: Response, code: str) -> None:
    """Remember the language (nothing else) until the browser closes; unknown codes are
    ignored. A session cookie on purpose: a lasting cookie would leave a trace on a shared or
    employer's device that someone visited the whistleblowing channel."""
    settings = settings_of()
    if code in current_languages():
        response.set_cookie(
            LANGUAGE_COOKIE,
            code,
            httponly=True,
            samesite="Strict",
            secure=bool(settings.cookie_secure),
            path="/",
        )


# Browser language tags that name a language under another code: "no" (Norwegian) and "nn"
# (Nynorsk) readers read Bokmål, the Norwegian the catalogues are written in.
_BROWSER_ALIASES = {"no": "nb", "nn": "nb"}


def browser_languages(offered: tuple[str, ...]) -> list[str]:
    """The browser's languages (Accept-Language, best first) as codes, "de-AT" as "de", an
    alias as its catalogue's code, each once; codes not offered are kept (the caller filters)."""
    codes: list[str] = []
    for value, _quality in request.accept_languages:
        code = value.split("-")[0].split("_")[0].lower()
        if code not in offered:
            code = _BROWSER_ALIASES.get(code, code)
        codes.append(code)
    return list(dict.fromkeys(codes))


def picker_languages(current: str, offered: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """(first, more): the company's languages (`?unit=`), the browser's, and the current one
    if neither had it; the rest, in the registry's order."""
    first: list[str] = []
    code = request.args.get("unit", "").strip()
    if code:
        first += unit_languages(unit_by_code(db_session(), code))
    first += browser_languages(offered)
    first.append(current)
    # "de-AT" offers "de"; codes not offered (or switched off) are dropped.
    wanted = [value.split("-")[0].split("_")[0].lower() for value in first]
    first = [value for value in dict.fromkeys(wanted) if value in offered]
    return first, [value for value in offered if value not in first]


def _iso_date(value: str) -> str:
    """A date kept as ISO text (a published account's frozen snapshot) in the locale's
    format; text that is not a date is shown as it is."""
    try:
        return str(format_date(date.fromisoformat(value)))
    except (TypeError, ValueError):
        return value


def init_i18n(app: Flask, settings: Settings, home_url: str, url_prefix: str = "",
              staff: bool = False) -> None:
    app.extensions[LANGUAGE_REVIEWS] = load_reviews()
    app.extensions[STAFF_ONLY] = staff

    def select_locale() -> str:
        offered = current_languages()
        chosen = request.cookies.get(LANGUAGE_COOKIE)
        if chosen in offered:
            return chosen
        best = next((code for code in browser_languages(offered) if code in offered), None)
        return best or settings.default_language

    Babel(
        app,
        locale_selector=select_locale,
        default_locale=settings.default_language,
        default_translation_directories=str(TRANSLATIONS_DIR),
    )
    app.register_blueprint(bp, url_prefix=url_prefix or None)
    # Numbers in the locale's format (1,5 MB in German), beside Flask-Babel's date filters.
    app.jinja_env.filters["decimalformat"] = format_decimal
    app.jinja_env.filters["isodateformat"] = _iso_date

    def language_url(code: str) -> str:
        # The query string stays: a filtered staff list stays filtered (issue 14 §8) and `?unit=`
        # keeps the company's languages first (issue 16 §5).
        if "aktsom_language_url" not in g:
            back = request.full_path if request.query_string else request.path
            # Built once per page, not once per language (the picker lists them all):
            # the code is a path segment before the query string, so the first
            # placeholder is the code's place.
            g.aktsom_language_url = url_for("i18n.choose_language", code=_CODE_PLACE,
                                            next=back)
        url: str = g.aktsom_language_url
        return url.replace(_CODE_PLACE, quote(code, safe=""), 1)

    @app.context_processor
    def _layout_context() -> dict[str, object]:
        current = str(get_locale() or settings.default_language)
        first, more = picker_languages(current, current_languages())
        review = language_reviews_of().get(current)
        return {
            "available_languages": [(code, native_name(code)) for code in first],
            "more_languages": [(code, native_name(code)) for code in more],
            "language_url": language_url,
            "organisation_name": settings.organisation_name,
            "home_url": home_url,
            "current_language": current,
            "text_direction": direction(current),
            "translation_unreviewed": review is not None and not review.fully_reviewed,
        }
