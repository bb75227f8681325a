"""Code of Conduct coverage pages (issue 12 §2), compliance only, on the `suppliers`
blueprint: /admin/suppliers/<id>/conduct and the closing of a gap by an action."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from portal.access import roles_required
from portal.db import db_session
from portal.extensions import server_keys_of, settings_of
from portal.refusals import Refusal
from portal.states import Role
from supplier_dd.conduct import (
    AreaEntry,
    actions_for_gaps,
    close_gap_by_action,
    gaps_of,
    marks_of,
    record_no_code,
    record_own_code,
    record_signed_ours,
    review_of,
)
from supplier_dd.models.conduct import AreaMark, ConductGap, ConductStatus, GapClosure
from supplier_dd.page_support import FormProblem, actor, form_date, refused, supplier_or_404
from supplier_dd.views import bp

STATUS_LABELS = {
    ConductStatus.SIGNED_OURS: _l("Signed our Supplier Code of Conduct"),
    ConductStatus.OWN_COMPARED: _l("Own code, compared with our checklist"),
    ConductStatus.NONE: _l("No code of conduct"),
}
MARK_LABELS = {
    AreaMark.COVERED: _l("covered"),
    AreaMark.PARTLY: _l("partly"),
    AreaMark.MISSING: _l("missing"),
    AreaMark.STRICTER: _l("stricter than ours"),
}
CLOSURE_LABELS = {
    GapClosure.ACTION: _l("closed by an action"),
    GapClosure.SIGNED_OURS: _l("closed by signing our code"),
    GapClosure.CODE_REVISED: _l("closed: the supplier's code now covers it"),
}


def _record(supplier_id: str) -> None:
    """Record what the posted form says; raises Refusal or FormProblem."""
    db, settings, keys = db_session(), settings_of(), server_keys_of()
    supplier = supplier_or_404(supplier_id)
    form = request.form
    kind = form.get("record", "")
    if kind == ConductStatus.SIGNED_OURS:
        signed_on = form_date(form.get("signed_on"), _("the signing date"))
        assert signed_on is not None  # noqa: S101 (required=True)
        record_signed_ours(db, supplier, version=form.get("our_version", ""),
                           signed_on=signed_on, keys=keys, actor=actor())
    elif kind == ConductStatus.OWN_COMPARED:
        compared_on = form_date(form.get("compared_on"), _("the comparison date"))
        assert compared_on is not None  # noqa: S101 (required=True)
        entries = {}
        for area in settings.conduct_areas:
            value = form.get(f"mark_{area.code}", "")
            if value not in {mark.value for mark in AreaMark}:
                raise FormProblem(_("Mark every area of the checklist."))
            entries[area.code] = AreaEntry(AreaMark(value),
                                           form.get(f"reference_{area.code}", ""))
        record_own_code(db, supplier, settings, title=form.get("own_code_title", ""),
                        compared_on=compared_on, entries=entries, keys=keys, actor=actor())
    elif kind == ConductStatus.NONE:
        record_no_code(db, supplier, keys=keys, actor=actor())
    else:
        raise FormProblem(_("Choose what to record."))


@bp.route("/suppliers/<supplier_id>/conduct", methods=["GET", "POST"])
@roles_required(Role.COMPLIANCE)
def conduct(supplier_id: str) -> str | Response:
    """The supplier's Code of Conduct coverage, the checklist, and its gaps."""
    supplier = supplier_or_404(supplier_id)
    error = None
    if request.method == "POST":
        try:
            _record(supplier.id)
        except (Refusal, FormProblem) as problem:
            error = refused(problem)
        else:
            flash(_("The Code of Conduct coverage is recorded."), "success")
            return redirect(url_for("suppliers.conduct", supplier_id=supplier.id), code=303)
    db = db_session()
    actions = actions_for_gaps(db, supplier.id)
    return render_template(
        "supplier_dd/conduct.html", supplier=supplier, review=review_of(db, supplier.id),
        marks=marks_of(db, supplier.id), gaps=gaps_of(db, supplier.id),
        actions=actions,
        action_titles={item.id: item.title for item in actions},
        areas=settings_of().conduct_areas, area_labels={
            area.code: area.label for area in settings_of().conduct_areas},
        status_labels=STATUS_LABELS, mark_labels=MARK_LABELS, closure_labels=CLOSURE_LABELS,
        error=error, posted=request.form if error else None)


@bp.post("/suppliers/<supplier_id>/conduct/gaps/<gap_id>/close")
@roles_required(Role.COMPLIANCE)
def close_conduct_gap(supplier_id: str, gap_id: str) -> Response:
    """Close a gap by an action of the supplier's action plan."""
    supplier = supplier_or_404(supplier_id)
    gap = db_session().get(ConductGap, gap_id)
    if gap is None or gap.supplier_id != supplier.id:
        flash(_("That gap does not exist."), "error")
    else:
        try:
            close_gap_by_action(db_session(), gap, request.form.get("action_id", ""),
                                keys=server_keys_of(), actor=actor())
        except Refusal as problem:
            flash(refused(problem), "error")
        else:
            flash(_("The gap is closed."), "success")
    return redirect(url_for("suppliers.conduct", supplier_id=supplier.id), code=303)
