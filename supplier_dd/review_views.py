"""Contract review pages (issue 12 §6). Compliance opens reviews and puts them before a
manager; the manager records the harm assessment and decides. Both read the review and the
supplier's name only; nothing of a case is on these pages (not even its id)."""

from __future__ import annotations

from flask import abort, flash, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from portal.access import require_staff, roles_required
from portal.cases.escalations import managers
from portal.db import db_session
from portal.extensions import server_keys_of
from portal.models import Role, User
from portal.refusals import Refusal
from supplier_dd.models import Supplier
from supplier_dd.models.reviews import ContractReview, ReviewStatus, ReviewTrigger
from supplier_dd.reviews import (
    Decision,
    assign_manager,
    decide,
    may_read,
    open_review,
    record_harm_assessment,
    reviews_for,
)
from supplier_dd.workflow.forms import (
    AssignForm,
    HarmForm,
    OpenReviewForm,
    ReviewDecisionForm,
    decision_labels,
    review_status_labels,
    trigger_labels,
)
from supplier_dd.workflow_pages import invalid, refused, see_other, supplier_or_404


def _readable_review(review_id: str) -> tuple[User, ContractReview]:
    """The review if the signed-in user may read it; 404 alike for "none" and "not yours"."""
    user = require_staff().user
    review = db_session().get(ContractReview, review_id)
    if review is None or not may_read(user, review):
        abort(404)
    return user, review


def _names(user_ids: set[str]) -> dict[str, str]:
    db = db_session()
    return {user_id: user.name for user_id in user_ids if user_id
            for user in [db.get(User, user_id)] if user is not None}


@roles_required(Role.COMPLIANCE, Role.MANAGER)
def reviews() -> str:
    db = db_session()
    rows = reviews_for(db, require_staff().user)
    supplier_ids = {row.supplier_id for row in rows}
    names = {supplier.id: supplier.name for supplier in
             (db.get(Supplier, supplier_id) for supplier_id in supplier_ids) if supplier}
    return render_template("supplier_dd/reviews.html", reviews=rows, supplier_names=names,
                           triggers=trigger_labels(), statuses=review_status_labels(),
                           manager_names=_names({row.manager_id or "" for row in rows}))


@roles_required(Role.COMPLIANCE, Role.MANAGER)
def review(review_id: str) -> str:
    user, row = _readable_review(review_id)
    db = db_session()
    supplier = db.get(Supplier, row.supplier_id)
    keys = server_keys_of()
    assign = AssignForm(data={"manager_id": row.manager_id or ""})
    assign.manager_id.choices = [("", _("Choose…"))] + [
        (manager.id, manager.name) for manager in managers(db, keys)]
    deciding = row.status == ReviewStatus.OPEN and row.manager_id == user.id \
        and user.has_role(Role.MANAGER)
    return render_template(
        "supplier_dd/review.html", review=row, supplier_name=supplier.name if supplier else "",
        triggers=trigger_labels(), statuses=review_status_labels(),
        decisions=decision_labels(), is_compliance=user.has_role(Role.COMPLIANCE),
        deciding=deciding, assign_form=assign, harm_form=HarmForm(),
        decision_form=ReviewDecisionForm(),
        names=_names({row.manager_id or "", row.decided_by or "", row.opened_by or ""}))


@roles_required(Role.COMPLIANCE)
def open_review_by_hand(supplier_id: str) -> Response:
    supplier = supplier_or_404(supplier_id)
    back = url_for("suppliers.action_plan", supplier_id=supplier.id)
    form = OpenReviewForm()
    if not form.validate_on_submit():
        return invalid(back)
    try:
        row, _created = open_review(db_session(), server_keys_of(), supplier_id=supplier.id,
                                    trigger=ReviewTrigger.BY_HAND, actor=require_staff().user,
                                    reason=form.reason.data or "")
    except Refusal as error:
        return refused(error, back)
    flash(_("The contract review has been opened. Put it before a manager."), "success")
    return see_other(url_for("suppliers.review", review_id=row.id))


@roles_required(Role.COMPLIANCE)
def assign_review(review_id: str) -> Response:
    user, row = _readable_review(review_id)
    back = url_for("suppliers.review", review_id=row.id)
    form = AssignForm()
    form.manager_id.choices = [(manager.id, manager.name)
                               for manager in managers(db_session(), server_keys_of())]
    if not form.validate_on_submit():
        return invalid(back)
    try:
        assign_manager(db_session(), server_keys_of(), review=row,
                       manager_id=form.manager_id.data or "", actor=user)
    except Refusal as error:
        return refused(error, back)
    flash(_("The contract review has been put before the manager."), "success")
    return see_other(back)


@roles_required(Role.MANAGER)
def review_harm(review_id: str) -> Response:
    user, row = _readable_review(review_id)
    back = url_for("suppliers.review", review_id=row.id)
    form = HarmForm()
    if not form.validate_on_submit():
        return invalid(back)
    try:
        record_harm_assessment(db_session(), server_keys_of(), review=row, manager=user,
                               worse_harm={"yes": True, "no": False}.get(
                                   form.worse_harm.data or ""),
                               assessment=form.assessment.data or "")
    except Refusal as error:
        return refused(error, back)
    flash(_("The assessment has been recorded."), "success")
    return see_other(back)


@roles_required(Role.MANAGER)
def decide_review(review_id: str) -> Response:
    user, row = _readable_review(review_id)
    back = url_for("suppliers.review", review_id=row.id)
    form = ReviewDecisionForm()
    if not form.validate_on_submit():
        return invalid(back)
    decision = Decision(decision=form.decision.data or "", rationale=form.rationale.data or "",
                        notice_given={"yes": True, "no": False}.get(
                            form.notice_given.data or ""),
                        decision_date=form.decision_date.data)
    try:
        decide(db_session(), server_keys_of(), review=row, manager=user, decision=decision)
    except Refusal as error:
        return refused(error, back)
    flash(_("The decision has been recorded."), "success")
    return see_other(back)
