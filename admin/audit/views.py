"""The audit log for admins and auditors: events (never content) and the chain check.

Filtered by case, by who acted and by date, a page at a time (admin.audit.filters). Cases
are named by their reference and link to the log filtered to that case: "who read this
report?" is the `case.viewed` events there (portal.cases.case_views).
"""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from admin.audit.filters import (
    audit_query,
    count_events,
    kept_arguments,
    page_of_events,
    user_choices,
)
from admin.audit.forms import PAGE_SIZES, AuditFilterForm
from portal.access import roles_required
from portal.audit import verify_since_checkpoint
from portal.db import db_session
from portal.extensions import server_keys_of
from portal.models import Case, Role, User
from portal.staff_menu import MenuEntry, declare_menu
from portal.states import audit_action_label

bp = Blueprint("audit", __name__)
declare_menu(bp, [
    MenuEntry("audit.events", _l("Audit log"), roles=(Role.ADMIN, Role.AUDITOR), order=500),
])


@bp.get("/audit")
@roles_required(Role.ADMIN, Role.AUDITOR)
def events() -> str:
    """Newest events first, a page at a time, with the result of checking the chain: what is
    new since the last check on every load, the whole chain on request (`?check=all`)."""
    db = db_session()
    form = AuditFilterForm(formdata=request.args)
    form.user.choices = user_choices(db)
    form.per_page.choices = [(str(size), str(size)) for size in PAGE_SIZES]
    query = audit_query(db, form)
    form.per_page.data = str(query.per_page)  # the size in use, shown selected
    total = count_events(db, query)
    pages = max(1, -(-total // query.per_page))
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    rows = page_of_events(db, query, page)
    ids = {row.actor_id for row in rows if row.actor_id} | {
        row.target_id for row in rows if row.target_id
    }
    names = dict(db.execute(select(User.id, User.name).where(User.id.in_(ids))).all())
    # Cases are named by their reference (issue 14 §7); a purged case keeps its id.
    case_ids = {row.case_id for row in rows if row.case_id}
    references = dict(db.execute(select(Case.id, Case.reference).where(
        Case.id.in_(case_ids), Case.reference.is_not(None))).all())
    kept = kept_arguments(request.args)

    def page_url(number: int) -> str:
        return url_for("audit.events", **kept, page=number)

    def case_url(case_id: str) -> str:
        return url_for("audit.events", case=references.get(case_id, case_id))

    return render_template(
        "admin/audit/events.html",
        form=form,
        events=rows,
        total=total,
        names=names,
        references=references,
        action_label=audit_action_label,
        page=page,
        pages=pages,
        page_url=page_url,
        case_url=case_url,
        filtered=bool(query.conditions),
        unknown_case=query.unknown_case,
        chain=verify_since_checkpoint(db, server_keys_of().audit,
                                      whole=request.args.get("check") == "all"),
    )
