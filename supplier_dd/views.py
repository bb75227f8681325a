"""The supplier register pages under /admin/suppliers (mounted by `admin.init_blueprints`).

Compliance keeps the register; an administrator sees the names on the list and nothing else
(design §2); every other role is refused. Views parse a form, call a service, render.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.wrappers import Response

from portal.access import current_staff, has_any_role, require_staff, roles_required
from portal.audit import Actor
from portal.db import db_session, discard_changes
from portal.extensions import server_keys_of, settings_of
from portal.models import OrgUnit
from portal.refusals import Refusal
from portal.staff_menu import MenuEntry, declare_menu
from portal.states import ActorKind, Role
from supplier_dd.dashboard import dashboard_figures_for
from supplier_dd.imports import COLUMNS, ImportRejected, export_suppliers, import_suppliers
from supplier_dd.models import Supplier
from supplier_dd.register import (
    RegisterFilter,
    SupplierInput,
    SupplierInvalid,
    add_certification,
    add_contact,
    buyer_units,
    certifications_of,
    contacts_of,
    country_code,
    country_name,
    filtered_suppliers,
    is_large_and_important,
    labelled,
    product_group_codes,
    remove_certification,
    remove_contact,
    save_supplier,
    supplier_names,
)
from supplier_dd.register_forms import (
    CertificationForm,
    ContactForm,
    EmptyForm,
    ImportForm,
    SupplierForm,
)
from supplier_dd.workflow_routes import add_workflow_routes

bp = Blueprint("suppliers", __name__, template_folder="templates")
declare_menu(bp, [
    MenuEntry("suppliers.index", _l("Suppliers"), roles=(Role.COMPLIANCE, Role.ADMIN),
              order=250),
    MenuEntry("suppliers.dashboard", _l("Supplier dashboard"), roles=(Role.COMPLIANCE,),
              order=255),
])
# Action plans, contract reviews and meetings (supplier_dd.workflow_routes).
add_workflow_routes(bp)


def _actor() -> Actor:
    return Actor(ActorKind.USER, require_staff().user.id)


def _supplier_or_404(supplier_id: str) -> Supplier:
    supplier = db_session().get(Supplier, supplier_id)
    if supplier is None:
        abort(404)
    return supplier


def _filters() -> RegisterFilter:
    tier = request.args.get("tier", "")
    country = country_code(request.args.get("country", "")) if request.args.get("country") \
        else None
    return RegisterFilter(tier=int(tier) if tier in ("1", "2", "3") else None, country=country,
                          large=request.args.get("large") == "1")


@bp.get("/suppliers/")
@roles_required(Role.COMPLIANCE, Role.ADMIN)
def index() -> str:
    """The register. Compliance sees it all; an administrator sees names only (design §2)."""
    db = db_session()
    staff = current_staff()
    full = staff is not None and has_any_role(staff.user, (Role.COMPLIANCE,))
    if not full:
        return render_template("supplier_dd/index.html", suppliers=None,
                               names=supplier_names(db))
    settings = settings_of()
    filters = _filters()
    suppliers, total = filtered_suppliers(db, settings, filters)
    return render_template("supplier_dd/index.html", suppliers=suppliers, names=None,
                           total=total,
                           filters=filters, country_name=country_name,
                           large={supplier.id for supplier in suppliers
                                  if is_large_and_important(supplier, settings)},
                           filter_country=request.args.get("country", ""))


def _choices(form: SupplierForm, supplier: Supplier | None) -> None:
    settings, db = settings_of(), db_session()
    form.sector.choices = [("", _("Not given"))] + [
        (item.code, _(item.label)) for item in settings.supplier_sectors]
    form.product_groups.choices = [
        (item.code, _(item.label) + (f" ({_('high risk')})" if item.high_risk else ""))
        for item in settings.product_groups]
    form.spend_band.choices = [("", _("Not given"))] + [
        (band.code, _(band.label)) for band in settings.spend_bands]
    others = [(row.id, row.name) for row in db.execute(
        select(Supplier.id, Supplier.name).order_by(Supplier.name))
        if supplier is None or row.id != supplier.id]
    form.fronts_id.choices = [("", _("None"))] + others
    form.buyer_unit_ids.choices = [
        (unit.id, f"{unit.code} · {unit.name}")
        for unit in db.scalars(select(OrgUnit).order_by(OrgUnit.code))]


def _input_from(form: SupplierForm) -> SupplierInput:
    country = form.country.data or ""
    clause = form.termination_clause.data
    return SupplierInput(
        name=form.name.data or "", org_number=(form.org_number.data or "").strip() or None,
        country=country_code(country) or country.strip(),
        tier=int(form.tier.data) if form.tier.data in ("1", "2", "3") else None,
        sector=form.sector.data or None, product_groups=list(form.product_groups.data or []),
        is_wholesaler=bool(form.is_wholesaler.data), fronts_id=form.fronts_id.data or None,
        buyer_unit_ids=list(form.buyer_unit_ids.data or []),
        spend_band=form.spend_band.data or None, large_by_hand=bool(form.large_by_hand.data),
        large_reason=form.large_reason.data or None, contract_start=form.contract_start.data,
        contract_end=form.contract_end.data,
        termination_clause=None if not clause else clause == "yes")


def _save(form: SupplierForm, supplier: Supplier | None) -> Supplier | None:
    """Save a valid form, or put the register's problems beside the fields."""
    try:
        return save_supplier(db_session(), settings_of(), server_keys_of(), _actor(),
                             _input_from(form), supplier)
    except SupplierInvalid as invalid:
        discard_changes()
        for problem in invalid.problems:
            getattr(form, problem.field).errors.append(problem.translated())
        return None


@bp.route("/suppliers/new", methods=["GET", "POST"])
@roles_required(Role.COMPLIANCE)
def new() -> str | Response:
    """Add a supplier to the register."""
    form = SupplierForm()
    _choices(form, None)
    if form.validate_on_submit() and (saved := _save(form, None)) is not None:
        flash(_("The supplier is added to the register."), "success")
        return redirect(url_for("suppliers.supplier", supplier_id=saved.id), code=303)
    return render_template("supplier_dd/edit.html", form=form, supplier=None)


@bp.route("/suppliers/<supplier_id>/edit", methods=["GET", "POST"])
@roles_required(Role.COMPLIANCE)
def edit(supplier_id: str) -> str | Response:
    """Change a supplier's register data."""
    supplier = _supplier_or_404(supplier_id)
    db = db_session()
    form = SupplierForm(obj=supplier) if request.method == "GET" else SupplierForm()
    _choices(form, supplier)
    if request.method == "GET":
        form.tier.data = str(supplier.tier)
        form.fronts_id.data = supplier.fronts_id or ""
        form.sector.data = supplier.sector or ""
        form.spend_band.data = supplier.spend_band or ""
        form.product_groups.data = product_group_codes(db, supplier)
        form.buyer_unit_ids.data = [unit.id for unit in buyer_units(db, supplier)]
        form.termination_clause.data = ("" if supplier.termination_clause is None
                                        else "yes" if supplier.termination_clause else "no")
    elif form.validate_on_submit() and _save(form, supplier) is not None:
        flash(_("The changes are saved."), "success")
        return redirect(url_for("suppliers.supplier", supplier_id=supplier.id), code=303)
    return render_template("supplier_dd/edit.html", form=form, supplier=supplier)


@bp.get("/suppliers/<supplier_id>")
@roles_required(Role.COMPLIANCE)
def supplier(supplier_id: str) -> str:
    """One supplier: register data, contacts, certificates (expired ones marked)."""
    found = _supplier_or_404(supplier_id)
    return _supplier_page(found, ContactForm(formdata=None), CertificationForm(formdata=None))


def _supplier_page(found: Supplier, contact_form: ContactForm,
                   certification_form: CertificationForm) -> str:
    db, settings = db_session(), settings_of()
    fronts = db.get(Supplier, found.fronts_id) if found.fronts_id else None
    return render_template(
        "supplier_dd/supplier.html", supplier=found, fronts=fronts,
        country=country_name(found.country), buyers=buyer_units(db, found),
        sector=labelled(settings.supplier_sectors, found.sector),
        spend_band=labelled(settings.spend_bands, found.spend_band),
        groups=[(labelled(settings.product_groups, code),
                 any(item.code == code and item.high_risk for item in settings.product_groups))
                for code in product_group_codes(db, found)],
        large=is_large_and_important(found, settings),
        contacts=contacts_of(db, found), certifications=certifications_of(db, found),
        today=date.today(), contact_form=contact_form,
        certification_form=certification_form, remove_form=EmptyForm())


@bp.post("/suppliers/<supplier_id>/contacts")
@roles_required(Role.COMPLIANCE)
def add_contact_view(supplier_id: str) -> str | Response:
    found = _supplier_or_404(supplier_id)
    form = ContactForm()
    if form.validate_on_submit():
        add_contact(db_session(), server_keys_of(), _actor(), found,
                    name=form.contact_name.data or "", role=form.contact_role.data,
                    email=form.contact_email.data, phone=form.contact_phone.data)
        flash(_("The contact is added."), "success")
        return redirect(url_for("suppliers.supplier", supplier_id=found.id), code=303)
    return _supplier_page(found, form, CertificationForm(formdata=None))


@bp.post("/suppliers/<supplier_id>/contacts/<contact_id>/remove")
@roles_required(Role.COMPLIANCE)
def remove_contact_view(supplier_id: str, contact_id: str) -> Response:
    found = _supplier_or_404(supplier_id)
    if EmptyForm().validate_on_submit():
        try:
            remove_contact(db_session(), server_keys_of(), _actor(), found, contact_id)
        except Refusal as refused:
            discard_changes()
            flash(refused.translated(), "error")
        else:
            flash(_("The contact is removed."), "success")
    return redirect(url_for("suppliers.supplier", supplier_id=found.id), code=303)


@bp.post("/suppliers/<supplier_id>/certifications")
@roles_required(Role.COMPLIANCE)
def add_certification_view(supplier_id: str) -> str | Response:
    found = _supplier_or_404(supplier_id)
    form = CertificationForm()
    if form.validate_on_submit():
        add_certification(db_session(), server_keys_of(), _actor(), found,
                          scheme=form.scheme.data or "", expires_on=form.expires_on.data,
                          reference=form.reference.data)
        flash(_("The certificate is added."), "success")
        return redirect(url_for("suppliers.supplier", supplier_id=found.id), code=303)
    return _supplier_page(found, ContactForm(formdata=None), form)


@bp.post("/suppliers/<supplier_id>/certifications/<certification_id>/remove")
@roles_required(Role.COMPLIANCE)
def remove_certification_view(supplier_id: str, certification_id: str) -> Response:
    found = _supplier_or_404(supplier_id)
    if EmptyForm().validate_on_submit():
        try:
            remove_certification(db_session(), server_keys_of(), _actor(), found,
                                 certification_id)
        except Refusal as refused:
            discard_changes()
            flash(refused.translated(), "error")
        else:
            flash(_("The certificate is removed."), "success")
    return redirect(url_for("suppliers.supplier", supplier_id=found.id), code=303)


@bp.route("/suppliers/import", methods=["GET", "POST"])
@roles_required(Role.COMPLIANCE)
def import_list() -> str | Response:
    """Upload a CSV or XLSX list: all rows or none, with a report of every problem."""
    form = ImportForm()
    problems = None
    if form.validate_on_submit():
        settings = settings_of()
        upload = form.supplier_list.data
        data = upload.stream.read(settings.supplier_import_max_bytes + 1)
        try:
            result = import_suppliers(db_session(), settings, server_keys_of(), _actor(),
                                      upload.filename or "", data)
        except ImportRejected as rejected:
            discard_changes()
            problems = rejected.problems
        else:
            flash(_("Imported: %(created)s added, %(updated)s updated.",
                    created=result.created, updated=result.updated), "success")
            return redirect(url_for("suppliers.index"), code=303)
    return render_template("supplier_dd/import.html", form=form, problems=problems,
                           columns=COLUMNS)


@bp.get("/suppliers/export.<any(csv, xlsx):fmt>")
@roles_required(Role.COMPLIANCE)
def export_list(fmt: str) -> Response:
    """The register as a file; cells that a spreadsheet would run are neutralised."""
    filename = f"suppliers.{fmt}"
    content = export_suppliers(db_session(), server_keys_of(), _actor(), filename)
    mimetype = ("text/csv" if fmt == "csv" else
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return Response(content, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store"})


@bp.get("/suppliers/dashboard")
@roles_required(Role.COMPLIANCE)
def dashboard() -> str:
    """Counts over the register and the other parts of the module (supplier_dd.dashboard)."""
    figures = dashboard_figures_for(db_session(), date.today())
    return render_template("supplier_dd/dashboard.html", figures=figures)
