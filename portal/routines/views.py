"""The public routines pages: `/routines` lists the companies, `/routines/<unit code>` shows
one company's routines for reporting (AML §2A-6).

The default text is translated and built from the settings the channel actually runs on (the
acknowledgement and feedback periods), so it cannot promise what the system does not do; a
company's own adopted text, when recorded, is shown with the same deadlines beside it.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from config.categories import RETALIATION
from portal.db import db_session
from portal.extensions import settings_of
from portal.routines.services import all_units, current_version, unit_by_code

bp = Blueprint("routines", __name__)


@bp.get("/routines")
def index() -> str:
    return render_template("pages/routines_index.html", units=all_units(db_session()))


@bp.get("/routines/<code>")
def unit_routines(code: str) -> str:
    db = db_session()
    unit = unit_by_code(db, code)
    if unit is None:
        abort(404)
    settings = settings_of()
    return render_template(
        "pages/routines.html", unit=unit, version=current_version(db, unit.id),
        acknowledgement_days=settings.acknowledgement_days,
        feedback_months=settings.feedback_months,
        retaliation_label=next((item.label for item in settings.categories
                                if item.code == RETALIATION), None),
    )

