"""Supplier meeting pages (issue 12 §8): the meetings due this quarter, the minutes of each
supplier's meetings, and their follow-ups as action items. Compliance only."""

from __future__ import annotations

from flask import abort, flash, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from portal.access import require_staff, roles_required
from portal.db import db_session
from portal.extensions import server_keys_of
from portal.models import Role
from portal.refusals import Refusal
from supplier_dd.actions import NewAction, owners
from supplier_dd.meetings import (
    Minutes,
    add_follow_up,
    follow_ups_of,
    meetings_due,
    meetings_of,
    quarter_of,
    record_meeting,
)
from supplier_dd.models.actions import ActionKind
from supplier_dd.models.meetings import SupplierMeeting
from supplier_dd.workflow.forms import FollowUpForm, MeetingForm, status_labels
from supplier_dd.workflow_pages import invalid, refused, see_other, supplier_or_404, today


def _follow_up_form() -> FollowUpForm:
    form = FollowUpForm()
    form.owner_id.choices = [("", _("No owner yet"))] + owners(db_session())
    return form


@roles_required(Role.COMPLIANCE)
def meetings() -> str:
    day = today()
    year, quarter = quarter_of(day)
    return render_template("supplier_dd/meetings.html", due=meetings_due(db_session(), day),
                           year=year, quarter=quarter)


@roles_required(Role.COMPLIANCE)
def supplier_meetings(supplier_id: str) -> str:
    db = db_session()
    supplier = supplier_or_404(supplier_id)
    rows = meetings_of(db, supplier.id)
    return render_template(
        "supplier_dd/meeting.html", supplier=supplier, meetings=rows,
        follow_ups=follow_ups_of(db, [row.id for row in rows]), form=MeetingForm(),
        follow_up_form=_follow_up_form(), statuses=status_labels(),
        owner_names=dict(owners(db)))


@roles_required(Role.COMPLIANCE)
def record_supplier_meeting(supplier_id: str) -> Response:
    supplier = supplier_or_404(supplier_id)
    back = url_for("suppliers.supplier_meetings", supplier_id=supplier.id)
    form = MeetingForm()
    if not form.validate_on_submit():
        return invalid(back)
    minutes = Minutes(held_on=form.held_on.data, participants=form.participants.data or "",
                      sustainability=form.sustainability.data or "",
                      other_topics=form.other_topics.data or "",
                      conclusions=form.conclusions.data or "",
                      next_meeting=form.next_meeting.data)
    try:
        record_meeting(db_session(), server_keys_of(), supplier=supplier, minutes=minutes,
                       actor=require_staff().user, today=today())
    except Refusal as error:
        return refused(error, back)
    flash(_("The meeting has been recorded."), "success")
    return see_other(back)


@roles_required(Role.COMPLIANCE)
def add_meeting_follow_up(meeting_id: str) -> Response:
    db = db_session()
    meeting = db.get(SupplierMeeting, meeting_id)
    if meeting is None:
        abort(404)
    back = url_for("suppliers.supplier_meetings", supplier_id=meeting.supplier_id)
    form = _follow_up_form()
    if not form.validate_on_submit():
        return invalid(back)
    new = NewAction(kind=ActionKind.MEETING_FOLLOW_UP, title=form.title.data or "",
                    description=form.description.data or "",
                    owner_id=form.owner_id.data or None, due_date=form.due_date.data,
                    indicator=form.indicator.data or "")
    try:
        add_follow_up(db, server_keys_of(), meeting=meeting, new=new,
                      actor=require_staff().user)
    except Refusal as error:
        return refused(error, back)
    flash(_("The follow-up has been added to the action plan."), "success")
    return see_other(back)
