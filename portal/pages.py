"""Public information pages."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from config import COUNTRY_NAMES, Authority
from config.authorities import authorities_for
from portal.db import db_session
from portal.extensions import settings_of
from portal.privacy_notice import privacy_notice, public_units, unit_by_code
from portal.reports.choices import routing_table
from portal.reports.disclosures import reporter_disclosures

bp = Blueprint("pages", __name__)


@bp.get("/")
def landing() -> str:
    settings = settings_of()
    return render_template(
        "pages/landing.html",
        categories=settings.categories,
        authorities_by_country=_by_country(settings.authorities),
        organisation=settings.organisation_name,
        acknowledgement_days=settings.acknowledgement_days,
        feedback_months=settings.feedback_months,
        disclosures=reporter_disclosures(routing_table(), settings),
    )


def _by_country(authorities: tuple[Authority, ...]) -> list[tuple[str, list[Authority]]]:
    grouped: dict[str, list[Authority]] = {}
    for authority in authorities:
        grouped.setdefault(authority.country, []).append(authority)
    return [(COUNTRY_NAMES.get(country, country), items) for country, items in grouped.items()]


# The privacy notice (GDPR Art. 13 and 14), one per company: each company of the group is the
# controller of the reports about it. `/privacy` lets the reader choose; `/privacy/<code>`
# (a unit's public code) is the notice itself, linked from every reporter page's footer.


@bp.get("/privacy")
def privacy_index() -> Response | str:
    code = request.args.get("unit", "").strip()
    if code:
        return redirect(url_for("pages.privacy", unit_code=code), code=303)
    settings = settings_of()
    return render_template("pages/privacy.html", units=public_units(db_session()),
                           notice=privacy_notice(db_session(), settings, None))


@bp.get("/privacy/<unit_code>")
def privacy(unit_code: str) -> str:
    db = db_session()
    unit = unit_by_code(db, unit_code)
    if unit is None:
        abort(404)
    return render_template("pages/privacy.html", units=public_units(db), chosen=unit,
                           notice=privacy_notice(db, settings_of(), unit))


@bp.get("/authorities")
def authorities() -> str:
    """External channels for the country of the company chosen (`?unit=CODE`), or all."""
    db = db_session()
    code = request.args.get("unit", "").strip()
    unit = unit_by_code(db, code) if code else None
    if code and unit is None:
        abort(404)
    settings = settings_of()
    return render_template(
        "pages/authorities.html", units=public_units(db), chosen=unit,
        authorities_by_country=[
            (COUNTRY_NAMES.get(country, country), items)
            for country, items in authorities_for(settings.authorities,
                                                  unit.country if unit else None)])
