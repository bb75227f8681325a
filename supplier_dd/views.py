"""The supplier pages under /admin/suppliers (mounted by `admin.init_blueprints`)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l

from portal.access import current_staff, has_any_role, roles_required
from portal.db import db_session
from portal.staff_menu import MenuEntry, declare_menu
from portal.states import Role
from supplier_dd.register import supplier_names, suppliers_by_name
from supplier_dd.workflow_routes import add_workflow_routes

bp = Blueprint("suppliers", __name__, template_folder="templates")
declare_menu(bp, [
    MenuEntry("suppliers.index", _l("Suppliers"), roles=(Role.COMPLIANCE, Role.ADMIN),
              order=300),
])
# Action plans, contract reviews and meetings (supplier_dd.workflow_routes).
add_workflow_routes(bp)


@bp.get("/suppliers/")
@roles_required(Role.COMPLIANCE, Role.ADMIN)
def index() -> str:
    """The register. Compliance sees it all; an administrator sees names only (design §2)."""
    db = db_session()
    staff = current_staff()
    full = staff is not None and has_any_role(staff.user, (Role.COMPLIANCE,))
    if full:
        return render_template("supplier_dd/index.html", suppliers=suppliers_by_name(db),
                               names=None)
    return render_template("supplier_dd/index.html", suppliers=None, names=supplier_names(db))
