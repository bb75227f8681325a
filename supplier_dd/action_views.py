"""Action plan pages (issue 12 §5): compliance keeps each supplier's plan."""

from __future__ import annotations

from flask import abort, flash, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from portal.access import require_staff, roles_required
from portal.db import db_session
from portal.extensions import server_keys_of
from portal.models import Role
from portal.refusals import Refusal
from supplier_dd.actions import NewAction, actions_of, add_action, is_overdue, owners, update_action
from supplier_dd.models.actions import ActionItem
from supplier_dd.reviews import review_state
from supplier_dd.workflow.forms import (
    ActionForm,
    ActionUpdateForm,
    OpenReviewForm,
    decision_labels,
    kind_labels,
    status_labels,
    trigger_labels,
)
from supplier_dd.workflow_figures import annual_workflow_counts, dashboard_figures
from supplier_dd.workflow_pages import invalid, refused, see_other, supplier_or_404, today


def _action_form() -> ActionForm:
    form = ActionForm()
    form.owner_id.choices = [("", _("No owner yet"))] + owners(db_session())
    return form


@roles_required(Role.COMPLIANCE)
def action_plan(supplier_id: str) -> str:
    db = db_session()
    supplier = supplier_or_404(supplier_id)
    items = actions_of(db, supplier.id)
    day = today()
    return render_template(
        "supplier_dd/actions.html", supplier=supplier, items=items,
        overdue={item.id for item in items if is_overdue(item, day)},
        owner_names=dict(owners(db)), kinds=kind_labels(), statuses=status_labels(),
        form=_action_form(), update_form=ActionUpdateForm(), review_form=OpenReviewForm(),
        review_state=review_state(db, supplier.id))


@roles_required(Role.COMPLIANCE)
def add_action_item(supplier_id: str) -> Response:
    supplier = supplier_or_404(supplier_id)
    back = url_for("suppliers.action_plan", supplier_id=supplier.id)
    form = _action_form()
    if not form.validate_on_submit():
        return invalid(back)
    new = NewAction(kind=form.kind.data or "", title=form.title.data or "",
                    description=form.description.data or "",
                    owner_id=form.owner_id.data or None, due_date=form.due_date.data,
                    indicator=form.indicator.data or "")
    try:
        add_action(db_session(), server_keys_of(), supplier=supplier, new=new,
                   actor=require_staff().user)
    except Refusal as error:
        return refused(error, back)
    flash(_("The action has been added to the plan."), "success")
    return see_other(back)


@roles_required(Role.COMPLIANCE)
def update_action_item(action_id: str) -> Response:
    db = db_session()
    item = db.get(ActionItem, action_id)
    if item is None:
        abort(404)
    back = url_for("suppliers.action_plan", supplier_id=item.supplier_id)
    form = ActionUpdateForm()
    if not form.validate_on_submit():
        return invalid(back)
    try:
        update_action(db, server_keys_of(), item=item, actor=require_staff().user,
                      status=form.status.data or "", result=form.result.data or "",
                      due_date=form.due_date.data)
    except Refusal as error:
        return refused(error, back)
    flash(_("The action has been updated."), "success")
    return see_other(back)


@roles_required(Role.COMPLIANCE, Role.AUDITOR)
def workflow_figures() -> str:
    """Counts only (auditors read counts, issue 12 §10): this year's action plans, reviews,
    decisions and meetings, and what is overdue or due now."""
    db = db_session()
    day = today()
    return render_template(
        "supplier_dd/actions_figures.html", figures=dashboard_figures(db, day),
        year=annual_workflow_counts(db, day.year, day), this_year=day.year,
        triggers=trigger_labels(), decisions=decision_labels())
