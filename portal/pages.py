"""Public information pages."""

from __future__ import annotations

from flask import Blueprint, render_template

from config import COUNTRY_NAMES, Authority
from portal.db import db_session
from portal.extensions import server_keys_of, settings_of
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
        disclosures=reporter_disclosures(db_session(), server_keys_of(), settings),
    )


def _by_country(authorities: tuple[Authority, ...]) -> list[tuple[str, list[Authority]]]:
    grouped: dict[str, list[Authority]] = {}
    for authority in authorities:
        grouped.setdefault(authority.country, []).append(authority)
    return [(COUNTRY_NAMES.get(country, country), items) for country, items in grouped.items()]
