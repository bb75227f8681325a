"""The languages page (issue 16 §4): every language the installation offers, whether a native
speaker has checked its protective texts (portal/translations/review.toml), and a switch to
take a language out of the pickers until it is reviewed. Administrators only; the switch is
stored in the database and audited (portal.language_switches). A switched-off language falls
back like any language not offered: the browser's next choice, then the default."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.wrappers import Response

from config.languages import BY_CODE, STAFF_LANGUAGES, Language
from portal.access import require_staff, roles_required
from portal.audit import Actor
from portal.db import db_session, discard_changes
from portal.extensions import server_keys_of, settings_of
from portal.i18n import language_reviews_of
from portal.language_review import REVIEW_GROUPS, LanguageReview
from portal.language_switches import switch_language, switched_off, unit_languages
from portal.models import OrgUnit, Role
from portal.refusals import Refusal
from portal.staff_menu import MenuEntry, declare_menu
from portal.states import ActorKind

bp = Blueprint("languages", __name__)
declare_menu(bp, [
    MenuEntry("languages.overview", _l("Languages"), roles=(Role.ADMIN,), order=445),
])


@dataclass(frozen=True)
class LanguageRow:
    language: Language
    review: LanguageReview
    staff: bool
    enabled: bool
    default: bool


@bp.get("/languages")
@roles_required(Role.ADMIN)
def overview() -> str:
    settings = settings_of()
    db = db_session()
    off = switched_off(db)
    reviews = language_reviews_of()
    rows = [LanguageRow(BY_CODE[code], reviews[code], code in STAFF_LANGUAGES,
                        code not in off, code == settings.default_language)
            for code in settings.languages]
    units = [(unit, unit_languages(unit)) for unit in
             db.scalars(select(OrgUnit).where(OrgUnit.is_group.is_(False))
                        .order_by(OrgUnit.code))]
    return render_template("admin/languages/overview.html", rows=rows, groups=REVIEW_GROUPS,
                           units=units,
                           unreviewed=[row for row in rows if not row.review.fully_reviewed])


@bp.post("/languages/<code>")
@roles_required(Role.ADMIN)
def switch(code: str) -> Response:
    """Switch one language on (`enabled=on`) or off (anything else)."""
    settings = settings_of()
    if code not in settings.languages:
        abort(404)
    enabled = request.form.get("enabled") == "on"
    try:
        switch_language(db_session(), server_keys_of(), settings,
                        Actor(ActorKind.USER, require_staff().user.id),
                        code=code, enabled=enabled)
    except Refusal as refusal:
        discard_changes()
        flash(refusal.translated(), "error")
        return redirect(url_for("languages.overview"), code=303)
    name = BY_CODE[code].native_name
    flash(_("%(language)s is offered again.", language=name) if enabled else
          _("%(language)s is switched off: it is no longer offered and its readers see the "
            "default language or their browser's next choice.", language=name), "success")
    return redirect(url_for("languages.overview"), code=303)
