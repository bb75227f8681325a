"""The audit log for admins and auditors: events (never content) and the chain check."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.access import roles_required
from portal.audit import event_count, verify_since_checkpoint
from portal.db import db_session
from portal.extensions import server_keys_of
from portal.models import AuditEvent, Case, Role, User
from portal.staff_menu import MenuEntry, declare_menu
from portal.states import audit_action_label

bp = Blueprint("audit", __name__)
declare_menu(bp, [
    MenuEntry("audit.events", _l("Audit log"), roles=(Role.ADMIN, Role.AUDITOR), order=500),
])

PAGE_SIZE = 50


@bp.get("/audit")
@roles_required(Role.ADMIN, Role.AUDITOR)
def events() -> str:
    """Newest events first, a page at a time, with the result of checking the chain: what is
    new since the last check on every load, the whole chain on request (`?check=all`)."""
    db = db_session()
    total = event_count(db)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    rows = list(db.scalars(
        select(AuditEvent).order_by(AuditEvent.seq.desc())
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ))
    ids = {row.actor_id for row in rows if row.actor_id} | {
        row.target_id for row in rows if row.target_id
    }
    names = dict(db.execute(select(User.id, User.name).where(User.id.in_(ids))).all())
    # Cases are named by their reference (issue 14 §7); a purged case keeps its id.
    case_ids = {row.case_id for row in rows if row.case_id}
    references = dict(db.execute(select(Case.id, Case.reference).where(
        Case.id.in_(case_ids), Case.reference.is_not(None))).all())
    return render_template(
        "admin/audit/events.html",
        events=rows,
        names=names,
        references=references,
        action_label=audit_action_label,
        page=page,
        pages=pages,
        chain=verify_since_checkpoint(db, server_keys_of().audit,
                                      whole=request.args.get("check") == "all"),
    )
