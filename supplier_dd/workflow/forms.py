"""Forms of the action plans, contract reviews and meetings. Choices that depend on the
database (owners, managers) are filled by the views; the services check every value again."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.states import EscalationDecision
from supplier_dd.models.actions import ActionKind, ActionStatus
from supplier_dd.models.reviews import ReviewStatus, ReviewTrigger

MAX_TEXT = 4000


def _text(label: str, *, required: bool = True) -> TextAreaField:
    checks = [DataRequired(_l("This field is required."))] if required else [Optional()]
    return TextAreaField(label, validators=[
        *checks, Length(max=MAX_TEXT, message=_l("At most %(max)d characters.", max=MAX_TEXT))])


def kind_labels() -> dict[str, str]:
    return {ActionKind.CORRECTIVE: _("Corrective action"),
            ActionKind.REMEDIATION: _("Remediation of harm done"),
            ActionKind.CLOSE_GAP: _("Closing a Code of Conduct gap"),
            ActionKind.MEETING_FOLLOW_UP: _("Follow-up from a supplier meeting")}


def status_labels() -> dict[str, str]:
    return {ActionStatus.OPEN: _("Not started"), ActionStatus.IN_PROGRESS: _("In progress"),
            ActionStatus.DONE: _("Done"), ActionStatus.CANCELLED: _("Cancelled")}


def decision_labels() -> dict[str, str]:
    return {EscalationDecision.CONTINUE_WITH_PLAN:
            _("Continue the cooperation with an action plan"),
            EscalationDecision.SUSPEND: _("Suspend the cooperation"),
            EscalationDecision.TERMINATE: _("Terminate the agreement")}


def trigger_labels() -> dict[str, str]:
    return {ReviewTrigger.BREACH: _("A human-rights breach was substantiated in a linked case"),
            ReviewTrigger.DEFICIENCIES: _("Action plan items overdue past the grace period"),
            ReviewTrigger.BY_HAND: _("Opened by compliance")}


def review_status_labels() -> dict[str, str]:
    return {ReviewStatus.OPEN: _("Awaiting decision"), ReviewStatus.DECIDED: _("Decided")}


def _kind_choices() -> list[tuple[str, str]]:
    # Follow-ups are added from the meeting they were agreed in.
    return [(code, label) for code, label in kind_labels().items()
            if code != ActionKind.MEETING_FOLLOW_UP]


def _status_choices() -> list[tuple[str, str]]:
    return list(status_labels().items())


def _decision_choices() -> list[tuple[str, str]]:
    return list(decision_labels().items())


def _yes_no() -> list[tuple[str, str]]:
    return [("yes", _("Yes")), ("no", _("No"))]


class FollowUpForm(FlaskForm):
    """An action item; as it stands, a follow-up agreed in a meeting (its kind is fixed)."""

    title = StringField(_l("Title"), validators=[DataRequired(_l("This field is required.")),
                                                 Length(max=200)])
    description = _text(_l("Description"), required=False)
    owner_id = SelectField(_l("Owner"), validators=[Optional()], validate_choice=False)
    due_date = DateField(_l("Due date"), validators=[InputRequired()])
    indicator = _text(_l("Indicator (how we will know it worked)"))


class ActionForm(FollowUpForm):
    kind = SelectField(_l("Kind of action"), choices=_kind_choices,
                       validators=[DataRequired()])


class ActionUpdateForm(FlaskForm):
    status = SelectField(_l("Status"), choices=_status_choices, validators=[DataRequired()])
    result = _text(_l("What the indicator showed, or why it was cancelled"), required=False)
    due_date = DateField(_l("New due date (optional)"), validators=[Optional()])


class OpenReviewForm(FlaskForm):
    reason = _text(_l("Why the cooperation is to be reviewed (about the supplier; no case "
                      "details)"))


class AssignForm(FlaskForm):
    manager_id = SelectField(_l("Manager"), validators=[DataRequired()])


class HarmForm(FlaskForm):
    worse_harm = RadioField(_l("Would leaving the supplier cause worse harm to its workers?"),
                            choices=_yes_no, validators=[DataRequired()])
    assessment = _text(_l("Assessment (jobs, wages, remediation that would stop)"))


class ReviewDecisionForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=_decision_choices,
                          validators=[DataRequired()])
    rationale = _text(_l("Rationale"))
    notice_given = RadioField(_l("Has the supplier been given notice?"), choices=_yes_no,
                              validators=[DataRequired()])
    decision_date = DateField(_l("The decision applies from"), validators=[InputRequired()])


class MeetingForm(FlaskForm):
    held_on = DateField(_l("Held on"), validators=[InputRequired()])
    participants = _text(_l("Participants"))
    sustainability = _text(_l("Sustainability and human rights (standing item)"))
    other_topics = _text(_l("Other topics"), required=False)
    conclusions = _text(_l("Conclusions"), required=False)
    next_meeting = DateField(_l("Next meeting (optional)"), validators=[Optional()])
