"""The approvals page: what a signed-in administrator asked to give a key to receive (a new
handler or manager, another unit, an approved key), for a second administrator to approve or
reject (security finding 14). Exclusions from a case are decided on the case page instead,
by another holder of the case.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.wrappers import Response

from admin.accounts.forms import ActionForm
from admin.accounts.key_pairs import approve_key_authority
from portal.access import require_staff, roles_required
from portal.approvals import decode_authority, may_decide, pending
from portal.audit import Actor
from portal.db import db_session, discard_changes
from portal.extensions import server_keys_of
from portal.models import OrgUnit, Role, User
from portal.refusals import Refusal
from portal.staff_menu import MenuEntry, declare_menu
from portal.states import ActorKind, ApprovalKind

bp = Blueprint("approvals", __name__)
declare_menu(bp, [
    MenuEntry("approvals.key_requests", _l("Approvals"), roles=(Role.ADMIN,), order=420),
])


@bp.get("/approvals")
@roles_required(Role.ADMIN)
def key_requests() -> str:
    """Open requests, each with who asked, for whom and for what."""
    db = db_session()
    requests = pending(db, ApprovalKind.KEY_AUTHORITY)
    people = {user.id: user for user in db.scalars(select(User).where(User.id.in_(
        {item.subject_id for item in requests} | {item.requested_by for item in requests})))}
    units = {row.id: row.code for row in db.execute(select(OrgUnit.id, OrgUnit.code))}
    me = Actor(ActorKind.USER, require_staff().user.id)
    rows = [{"request": item, "subject": people.get(item.subject_id),
             "asked_by": people.get(item.requested_by),
             "authority": decode_authority(item.authority),
             "may_decide": may_decide(item, me)} for item in requests]
    return render_template("admin/approvals/list.html", rows=rows, units=units,
                           form=ActionForm())


@bp.post("/approvals/<request_id>")
@roles_required(Role.ADMIN)
def decide(request_id: str) -> Response:
    """Approve or reject one request; the one who asked and the one it is about cannot."""
    if not ActionForm().validate_on_submit():
        abort(400)
    approve = request.form.get("decision") == "approve"
    try:
        user = approve_key_authority(db_session(), server_keys_of(),
                                     Actor(ActorKind.USER, require_staff().user.id),
                                     request_id, approve=approve)
    except Refusal as refused:
        discard_changes()
        flash(refused.translated(), "error")
    else:
        if user is not None:
            flash(_("Approved: %(name)s's key is certified for what was asked.",
                    name=user.name), "success")
        else:
            flash(_("The request is rejected; nothing was certified."), "success")
    return redirect(url_for("approvals.key_requests"), code=303)
