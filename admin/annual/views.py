"""/admin/annual-accounts: the Transparency Act account, drafted, approved, signed and
published per company and for the group (issue 13 §4-§5).

Compliance writes, approves (not the one who wrote: four eyes), records the boards'
signatures and publishes; auditors read. Nobody else has a route here.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.wrappers import Response

from admin.accounts.forms import ActionForm
from admin.annual import accounts as service
from admin.annual.figures import account_figures
from admin.annual.forms import SignatureForm, TextsForm
from admin.annual.models import AccountStatus, AnnualAccount
from portal.access import require_staff, roles_required
from portal.db import db_session, discard_changes, utcnow
from portal.extensions import server_keys_of, settings_of
from portal.models import OrgUnit
from portal.models.transparency import GROUP_SCOPE
from portal.refusals import Refusal
from portal.staff_menu import MenuEntry, declare_menu
from portal.states import Role
from portal.transparency import labels_for, publication_address, render_markdown

bp = Blueprint("annual_accounts", __name__)
declare_menu(bp, [
    MenuEntry("annual_accounts.index", _l("Transparency account"),
              roles=(Role.COMPLIANCE, Role.AUDITOR), order=280),
])
# The Transparency Act took effect on 1 July 2022: no account before the year 2022.
FIRST_YEAR = 2022


def _scopes(units: list[OrgUnit]) -> list[tuple[str, str]]:
    return [(GROUP_SCOPE, _("The group (joint account)"))] + [(unit.id, unit.name)
                                                              for unit in units]


@bp.get("/annual-accounts")
@roles_required(Role.COMPLIANCE, Role.AUDITOR)
def index() -> str:
    db = db_session()
    now = utcnow()
    stored = {(row.year, row.scope): row for row in db.scalars(select(AnnualAccount))}
    years = sorted({now.year - 1, now.year} | {year for year, _scope in stored}, reverse=True)
    scopes = _scopes(service.covered_units(db))
    rows = [{"year": year, "due": service.due_date(year),
             "accounts": [(scope, label, stored.get((year, scope))) for scope, label in scopes]}
            for year in years]
    return render_template("admin/annual/accounts.html", rows=rows, now=now.date(),
                           labels=service.STATUS_LABELS)


def _account(year: int, scope: str, *, create: bool = True) -> AnnualAccount:
    """The account of the URL (404 for a year or company that has none); reading it never
    writes: an account not yet started is shown as an empty draft that is not stored."""
    if not FIRST_YEAR <= year <= utcnow().year:
        abort(404)
    db = db_session()
    try:
        if create:
            return service.open_account(db, year, scope)
        service.unit_of_scope(db, scope)
    except LookupError:
        abort(404)
    return service.account_for(db, year, scope) or AnnualAccount(
        year=year, scope=scope, status=AccountStatus.DRAFT, texts="{}", editors="[]",
        published_versions=0)


def _back(year: int, scope: str) -> Response:
    return redirect(url_for("annual_accounts.show", year=year, scope=scope), code=303)


def _refused(refusal: Refusal, year: int, scope: str) -> Response:
    discard_changes()
    flash(refusal.translated(), "error")
    return _back(year, scope)


@bp.get("/annual-accounts/<int:year>/<scope>")
@roles_required(Role.COMPLIANCE, Role.AUDITOR)
def show(year: int, scope: str) -> str:
    db = db_session()
    account = _account(year, scope, create=False)
    texts = service.texts_of(account)
    form = TextsForm(data={f"{key}_{lang}": texts[key][lang]
                           for key in service.SECTIONS for lang in service.LANGUAGES})
    unit = service.unit_of_scope(db, scope)
    signature_form = SignatureForm()
    signature_form.unit.choices = [(row.id, row.name)
                                   for row in service.required_signers(db, account)]
    staff = require_staff()
    frozen = service.frozen_content(account)
    return render_template(
        "admin/annual/account.html", account=account, year=year, scope=scope,
        company=unit.name if unit else _("The group (joint account)"), texts=texts,
        frozen=frozen, form=form, signature_form=signature_form,
        action_form=ActionForm(), signatures=service.signatures_of(db, account),
        signers={row.id: row.name for row in service.required_signers(db, account)},
        missing=service.missing_signers(db, account), due=service.due_date(year),
        published=service.published_versions(db, year, scope),
        labels=service.STATUS_LABELS, status=AccountStatus,
        may_edit=staff.user.has_role(Role.COMPLIANCE), render_markdown=render_markdown,
        figure_labels=labels_for(frozen or {}, str(get_locale() or "en")),
        # Where the approved account says it is published (issue 13 §5).
        frozen_publication_at=publication_address((frozen or {}).get("publication_url")),
        publication_url=settings_of().transparency_publication_url)


@bp.post("/annual-accounts/<int:year>/<scope>/texts")
@roles_required(Role.COMPLIANCE)
def save_texts(year: int, scope: str) -> Response:
    account = _account(year, scope)
    form = TextsForm()
    if not form.validate_on_submit():
        flash(_("A text may be at most %(count)s characters long.", count=service.MAX_TEXT),
              "error")
        return _back(year, scope)
    texts = {key: {lang: getattr(form, f"{key}_{lang}").data or ""
                   for lang in service.LANGUAGES} for key in service.SECTIONS}
    try:
        service.save_texts(db_session(), server_keys_of(), require_staff().user, account,
                           texts, now=utcnow())
    except Refusal as refusal:
        return _refused(refusal, year, scope)
    flash(_("The texts were saved."), "success")
    return _back(year, scope)


@bp.post("/annual-accounts/<int:year>/<scope>/approve")
@roles_required(Role.COMPLIANCE)
def approve(year: int, scope: str) -> Response:
    account = _account(year, scope)
    if not ActionForm().validate_on_submit():
        abort(400)
    db, settings, now = db_session(), settings_of(), utcnow()
    try:
        figures = account_figures(db, settings, year=year,
                                  unit_id=None if scope == GROUP_SCOPE else scope, now=now)
        service.approve(db, server_keys_of(), settings, require_staff().user, account,
                        figures=figures.to_dict(), now=now)
    except Refusal as refusal:
        return _refused(refusal, year, scope)
    flash(_("The account was approved. The boards can sign it now."), "success")
    return _back(year, scope)


@bp.post("/annual-accounts/<int:year>/<scope>/signatures")
@roles_required(Role.COMPLIANCE)
def record_signature(year: int, scope: str) -> Response:
    db = db_session()
    account = _account(year, scope)
    form = SignatureForm()
    form.unit.choices = [(row.id, row.name) for row in service.required_signers(db, account)]
    if not form.validate_on_submit() or form.signed_on.data is None:
        flash(_("Give the name and the board role of the person who signed."), "error")
        return _back(year, scope)
    try:
        service.record_signature(db, server_keys_of(), require_staff().user, account,
                                 unit_id=form.unit.data or "", name=form.name.data or "",
                                 role=form.role.data or "", signed_on=form.signed_on.data)
    except Refusal as refusal:
        return _refused(refusal, year, scope)
    flash(_("The signature was recorded."), "success")
    return _back(year, scope)


@bp.post("/annual-accounts/<int:year>/<scope>/publish")
@roles_required(Role.COMPLIANCE)
def publish(year: int, scope: str) -> Response:
    account = _account(year, scope)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        service.publish(db_session(), server_keys_of(), require_staff().user, account,
                        now=utcnow())
    except Refusal as refusal:
        return _refused(refusal, year, scope)
    flash(_("The account was published."), "success")
    return _back(year, scope)


@bp.post("/annual-accounts/<int:year>/<scope>/new-version")
@roles_required(Role.COMPLIANCE)
def new_version(year: int, scope: str) -> Response:
    account = _account(year, scope)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        service.start_new_version(db_session(), server_keys_of(), require_staff().user,
                                  account)
    except Refusal as refusal:
        return _refused(refusal, year, scope)
    flash(_("A new version was started. The published versions stay public."), "success")
    return _back(year, scope)
