"""/admin/annual-report/figures: the account's figures for a year and a company (or the group),
for compliance, in the page's language, with the downloads of `aktsom annual-report`.
The account itself (narratives, workflow, publication) has its own pages."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from admin.annual.figures import account_figures
from admin.annual.labels import section_label, table_label
from admin.annual.outputs import LANGUAGES, charts, labelled, render
from portal.access import roles_required
from portal.db import db_session, utcnow
from portal.extensions import settings_of
from portal.models import OrgUnit
from portal.staff_menu import MenuEntry, declare_menu
from portal.states import Role

bp = Blueprint("annual_figures", __name__)
declare_menu(bp, [
    MenuEntry("annual_figures.figures", _l("Annual account figures"), roles=(Role.COMPLIANCE,),
              order=265),
])

_DOWNLOADS = {"csv": "text/csv", "json": "application/json", "esrs": "text/csv",
              "html": "text/html", "pdf": "application/pdf"}


@bp.get("/annual-report/figures")
@roles_required(Role.COMPLIANCE)
def figures() -> Response | str:
    db = db_session()
    settings = settings_of()
    now = utcnow()
    year = request.args.get("year", type=int) or now.year - 1
    year = min(max(year, 2000), now.year)
    units = list(db.scalars(select(OrgUnit).order_by(OrgUnit.name)))
    unit_id = request.args.get("unit") or None
    if unit_id not in {unit.id for unit in units}:
        unit_id = None
    result = account_figures(db, settings, year=year, unit_id=unit_id, now=now)
    download = request.args.get("download")
    if download in _DOWNLOADS:
        language = request.args.get("language")
        language = language if language in LANGUAGES else "nb"
        from admin.annual.pdf import render_pdf  # fpdf: ~40 MiB, only for this download

        body: str | bytes = (render_pdf(result, settings, language, db) if download == "pdf"
                             else render(download, result, settings, language, db))
        suffix = "csv" if download == "esrs" else download
        name = f"annual-figures-{year}-{result.unit_code or 'group'}-{download}.{suffix}"
        return Response(body, mimetype=_DOWNLOADS[download], headers={
            "Content-Disposition": f'attachment; filename="{name}"'})
    tables = labelled(result, settings, {unit.code: unit.name for unit in units})
    sections: dict[str, list[object]] = {}
    for item in tables:
        sections.setdefault(item.table.section, []).append(item)
    locale = get_locale()
    return render_template(
        "admin/annual/figures.html", figures=result, units=units, unit_id=unit_id,
        years=list(range(now.year, now.year - 6, -1)), year=year, k=result.k,
        sections=[(section_label(key), items) for key, items in sections.items()],
        charts=charts(result, tables),
        medians=[(table_label(item.key), item) for item in result.medians],
        language=str(locale.language) if locale else "en")
