"""/admin/information-requests: the register, a request, and the letters back.

Compliance only. A request opens with the officer's own key (what the requester wrote is
sealed); an officer who holds no wrap sees the clock and status but not the content.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.wrappers import Response

from admin.accounts.forms import ActionForm
from admin.information.forms import AnswerForm, ExtendForm, refuse_form
from portal.access import require_staff, roles_required
from portal.audit import record_event
from portal.db import db_session, discard_changes, session_factory, utcnow
from portal.extensions import server_keys_of, settings_of
from portal.information import service
from portal.information.states import (
    DELIVERY_LABELS,
    OPEN_STATUSES,
    REFUSAL_GROUND_LABELS,
    STATUS_LABELS,
    InformationAction,
)
from portal.models import InformationRequest, OrgUnit
from portal.refusals import Refusal
from portal.staff_menu import MenuEntry, declare_menu
from portal.states import ActorKind, Role

bp = Blueprint("information", __name__)
declare_menu(bp, [
    MenuEntry("information.requests", _l("Information requests"), roles=(Role.COMPLIANCE,),
              order=260),
])


def _labels() -> dict[str, object]:
    return {"status": STATUS_LABELS, "delivery": DELIVERY_LABELS,
            "ground": REFUSAL_GROUND_LABELS}


@bp.get("/information-requests")
@roles_required(Role.COMPLIANCE)
def requests() -> str:
    """Open requests by deadline (overdue marked), then the closed ones."""
    staff = require_staff()
    db = db_session()
    # An officer certified after a request came in gets it wrapped by the next colleague
    # who opens the register.
    service.share_with_colleagues(db, server_keys_of(), staff.user, staff.private_key)
    units = {row.id: row.name for row in db.execute(select(OrgUnit.id, OrgUnit.name))}
    now = utcnow()
    rows = [{"request": row, "last_day": service.last_day(service.deadline_of(row)),
             "overdue": service.is_overdue(row, now), "unit": units.get(row.unit_id or "")}
            for row in service.register(db)]
    return render_template("admin/information/list.html", rows=rows, labels=_labels(),
                           open_statuses=OPEN_STATUSES)


def _opened(request_id: str) -> service.OpenedRequest:
    staff = require_staff()
    db = db_session()
    if db.get(InformationRequest, request_id) is None:
        abort(404)
    opened = service.open_request(db, request_id, staff.user.id, staff.private_key)
    if opened is None:
        abort(403)
    return opened


@bp.get("/information-requests/<request_id>")
@roles_required(Role.COMPLIANCE)
def show(request_id: str) -> str:
    staff = require_staff()
    db = db_session()
    opened = _opened(request_id)
    record_event(db, server_keys_of().audit, action=InformationAction.OPENED,
                 actor_kind=ActorKind.USER, actor_id=staff.user.id, target_id=request_id)
    request_row = opened.request
    unit = db.get(OrgUnit, request_row.unit_id) if request_row.unit_id else None
    now = utcnow()
    return render_template(
        "admin/information/show.html", opened=opened, request=request_row, unit=unit,
        labels=_labels(), last_day=service.last_day(service.deadline_of(request_row)),
        overdue=service.is_overdue(request_row, now),
        may_extend=(request_row.status in OPEN_STATUSES and request_row.extended_to is None
                    and now < request_row.due_at),
        latest=service.last_day(service.latest_allowed_extension(request_row)),
        answer_form=AnswerForm(), extend_form=ExtendForm(), refuse_form=refuse_form(),
        action_form=ActionForm(), is_open=request_row.status in OPEN_STATUSES)


def _back(request_id: str) -> Response:
    return redirect(url_for("information.show", request_id=request_id), code=303)


def _refused(refusal: Refusal, request_id: str) -> Response:
    discard_changes()
    flash(refusal.translated(), "error")
    return _back(request_id)


@bp.post("/information-requests/<request_id>/answer")
@roles_required(Role.COMPLIANCE)
def answer(request_id: str) -> Response:
    form = AnswerForm()
    if not form.validate_on_submit():
        flash(_("Write the answer."), "error")
        return _back(request_id)
    opened = _opened(request_id)
    try:
        service.answer(db_session(), server_keys_of(), settings_of(), opened,
                       require_staff().user, text=form.text.data or "",
                       factory=_factory())
    except Refusal as refusal:
        return _refused(refusal, request_id)
    flash(_("The answer was recorded."), "success")
    return _back(request_id)


@bp.post("/information-requests/<request_id>/extend")
@roles_required(Role.COMPLIANCE)
def extend(request_id: str) -> Response:
    form = ExtendForm()
    if not form.validate_on_submit() or form.until.data is None:
        flash(_("Give the date of the answer and say why."), "error")
        return _back(request_id)
    opened = _opened(request_id)
    try:
        service.extend(db_session(), server_keys_of(), settings_of(), opened,
                       require_staff().user, until=form.until.data,
                       reason=form.reason.data or "", factory=_factory())
    except Refusal as refusal:
        return _refused(refusal, request_id)
    flash(_("The deadline was extended and the requester is being told."), "success")
    return _back(request_id)


@bp.post("/information-requests/<request_id>/refuse")
@roles_required(Role.COMPLIANCE)
def refuse(request_id: str) -> Response:
    form = refuse_form()
    if not form.validate_on_submit():
        flash(_("Choose one of the grounds the law allows."), "error")
        return _back(request_id)
    opened = _opened(request_id)
    try:
        service.refuse(db_session(), server_keys_of(), settings_of(), opened,
                       require_staff().user, ground=form.ground.data or "",
                       explanation=form.explanation.data or "",
                       factory=_factory())
    except Refusal as refusal:
        return _refused(refusal, request_id)
    flash(_("The refusal was recorded."), "success")
    return _back(request_id)


@bp.post("/information-requests/<request_id>/send-again")
@roles_required(Role.COMPLIANCE)
def send_again(request_id: str) -> Response:
    if not ActionForm().validate_on_submit():
        abort(400)
    opened = _opened(request_id)
    try:
        service.send_again(db_session(), server_keys_of(), settings_of(), opened,
                           require_staff().user, factory=_factory())
    except Refusal as refusal:
        return _refused(refusal, request_id)
    return _back(request_id)


@bp.post("/information-requests/<request_id>/posted")
@roles_required(Role.COMPLIANCE)
def posted(request_id: str) -> Response:
    if not ActionForm().validate_on_submit():
        abort(400)
    opened = _opened(request_id)
    try:
        service.mark_posted(db_session(), server_keys_of(), opened.request,
                            require_staff().user)
    except Refusal as refusal:
        return _refused(refusal, request_id)
    return _back(request_id)


@bp.post("/information-requests/<request_id>/move-to-channel")
@roles_required(Role.COMPLIANCE)
def move_to_channel(request_id: str) -> Response:
    """A report of wrongdoing sent as a request: closed with a letter pointing to the report
    form (issue 13 §1; never a case made from it, see the service)."""
    if not ActionForm().validate_on_submit():
        abort(400)
    opened = _opened(request_id)
    try:
        service.move_request_to_channel(db_session(), server_keys_of(), settings_of(), opened,
                                        require_staff().user, factory=_factory())
    except Refusal as refusal:
        return _refused(refusal, request_id)
    flash(_("The request was closed and the requester is being told to use the "
            "whistleblowing channel."), "success")
    return _back(request_id)


def _factory() -> sessionmaker[Session]:
    """For the letter's delivery, recorded after the commit in a transaction of its own."""
    return session_factory(current_app)
