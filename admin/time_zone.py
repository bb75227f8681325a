"""Times on staff pages in the organisation's time zone (setting `time_zone`, issue 14 §9).

Stored times stay UTC; Flask-Babel converts them when formatting, and every staff date and
time names its zone, so a handler in Oslo never mistakes 23:30 UTC for the next day's
deadline, nor a colleague abroad the other way round.
"""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from flask_babel import format_datetime, to_user_timezone

from config import Settings


def zoned_datetime(value: datetime | None, pattern: str | None = None) -> str:
    """`value` as Flask-Babel formats it in the organisation's zone, with the zone's
    abbreviation (CET, CEST) after it."""
    if value is None:
        return ""
    return f"{format_datetime(value, pattern)} {to_user_timezone(value).tzname()}"


def configure_time_zone(app: Flask, settings: Settings) -> None:
    """Before Flask-Babel is set up: its default zone is the organisation's."""
    app.config["BABEL_DEFAULT_TIMEZONE"] = settings.time_zone


def init_zoned_filters(app: Flask) -> None:
    """After Flask-Babel is set up: `datetimeformat` names the zone on every staff page."""
    app.jinja_env.filters["datetimeformat"] = zoned_datetime
