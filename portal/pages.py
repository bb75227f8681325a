"""Public information pages."""

from __future__ import annotations

from flask import Blueprint, render_template

from config import DEFAULT_CATEGORIES
from portal.extensions import settings_of

bp = Blueprint("pages", __name__)


@bp.get("/")
def landing() -> str:
    settings = settings_of()
    return render_template(
        "pages/landing.html",
        categories=DEFAULT_CATEGORIES,
        organisation=settings.organisation_name,
        acknowledgement_days=settings.acknowledgement_days,
        feedback_months=settings.feedback_months,
    )
