"""The administrators' page of external reporting channels (issue 11 §6): every authority the
reporters are shown, by country, with the source each default comes from and, for defaults not
yet confirmed by the organisation, a flag to check it (config/authorities.py)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l

from config import COUNTRY_NAMES
from config.authorities import authorities_for
from portal.access import roles_required
from portal.extensions import settings_of
from portal.models import Role
from portal.staff_menu import MenuEntry, declare_menu

bp = Blueprint("privacy", __name__)
declare_menu(bp, [
    MenuEntry("privacy.authorities", _l("External channels"), roles=(Role.ADMIN,), order=440),
])


@bp.get("/privacy/authorities")
@roles_required(Role.ADMIN)
def authorities() -> str:
    settings = settings_of()
    grouped = authorities_for(settings.authorities, None)
    return render_template(
        "admin/privacy/authorities.html",
        authorities_by_country=[(COUNTRY_NAMES.get(code, code), items)
                                for code, items in grouped],
        to_confirm=sum(item.confirm for item in settings.authorities),
    )
