"""Case-handling forms. `body` on the reply form is the interface contract (design §6).

Choices that depend on the database (units, handlers, managers) are filled by the views.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional

from portal.cases.handling import SERVICE_CLOSING_REASONS
from portal.cases.work_environment import MAX_NOTE
from portal.states import (
    CLOSING_REASON_LABELS,
    GRANT_REASON_LABELS,
    LEGAL_HOLD_REASON_LABELS,
    ApprovalKind,
    Channel,
    EscalationDecision,
)
from portal.workplace_states import NOT_APPLICABLE_REASON_LABELS

MAX_TEXT = 20_000


def _text(label: str, *, required: bool = True) -> TextAreaField:
    checks = [DataRequired(_l("This field is required."))] if required else [Optional()]
    return TextAreaField(label, validators=[
        *checks, Length(max=MAX_TEXT, message=_l("At most %(max)d characters.", max=MAX_TEXT))])


# Fixed choices are given as functions, read when the form is built (in the request's
# language); WTForms 3.3 deprecates tuples passed at class level.
def _breach_choices() -> list[tuple[str, str]]:
    return [("unknown", _("Not assessed")), ("yes", _("Yes")), ("no", _("No"))]


def _decision_choices() -> list[tuple[str, str]]:
    return [(EscalationDecision.CONTINUE_WITH_PLAN,
             _("Continue the cooperation with an action plan")),
            (EscalationDecision.SUSPEND, _("Suspend the cooperation")),
            (EscalationDecision.TERMINATE, _("Terminate the agreement"))]


def _hold_reason_choices() -> list[tuple[str, str]]:
    return [("", _("Choose…"))] + [(code.value, str(label))
                                   for code, label in LEGAL_HOLD_REASON_LABELS.items()]


def _channel_choices() -> list[tuple[str, str]]:
    return [(Channel.ORAL, _("Orally (telephone or in person)")),
            (Channel.MEETING, _("In a meeting the reporter asked for"))]


class FilterForm(FlaskForm):
    """The case list's filters: a GET form, so no CSRF token (it changes nothing)."""

    class Meta:
        csrf = False

    unit = SelectField(_l("Company"), validators=[Optional()], validate_choice=False)
    status = SelectField(_l("Status"), validators=[Optional()], validate_choice=False)
    category = SelectField(_l("Category"), validators=[Optional()], validate_choice=False)
    channel = SelectField(_l("Channel"), validators=[Optional()], validate_choice=False)
    overdue = BooleanField(_l("Only overdue cases"))
    # What needs me (issue 14 §8).
    mine = BooleanField(_l("Assigned to me"))
    unread = BooleanField(_l("Unread"))
    q = StringField(_l("Case reference"), validators=[Optional(), Length(max=60)])
    page = IntegerField(validators=[Optional(), NumberRange(min=1)])


# What a reply is: the handler chooses every time (issue 11 §1); nothing is pre-selected, as a
# pre-ticked "feedback" stops the Art. 9(1)(f) clock on a question sent without reading.
REPLY_UPDATE = "update"
REPLY_FEEDBACK = "feedback"
REPLY_KIND_MISSING = _l("Choose whether this reply is a question or update, or the feedback. "
                        "Nothing was sent.")


def _reply_kind_choices() -> list[tuple[str, str]]:
    return [(REPLY_UPDATE, _("A question or an update")),
            (REPLY_FEEDBACK, _("The feedback on the follow-up of the report"))]


class ReplyForm(FlaskForm):
    body = _text(_l("Reply to the reporter"))
    is_feedback = RadioField(_l("This reply is"), choices=_reply_kind_choices,
                             validators=[InputRequired(REPLY_KIND_MISSING)])


class NoteForm(FlaskForm):
    body = _text(_l("Internal note (never shown to the reporter)"))


class MeetingMinutesForm(FlaskForm):
    """The minutes of the meeting the reporter asked for (Art. 9(2), 18): stops its clock."""

    minutes = _text(_l("Minutes of the meeting (the reporter will read and confirm them)"))


class ActionForm(FlaskForm):
    """Only the CSRF token: for buttons such as "Acknowledge"."""


def _closing_reason_choices() -> list[tuple[str, str]]:
    return [("", _("Not needed: the feedback has been sent"))] + [
        (reason.value, str(label)) for reason, label in CLOSING_REASON_LABELS.items()
        if reason not in SERVICE_CLOSING_REASONS]


class StatusForm(FlaskForm):
    status = SelectField(_l("New status"), validators=[DataRequired()])
    # Closing needs the feedback or one of these (issue 11 §1); checked by change_status.
    closing_reason = SelectField(_l("Reason for closing without feedback"),
                                 choices=_closing_reason_choices, validators=[Optional()])


class OutcomeForm(FlaskForm):
    outcome = SelectField(_l("Outcome"), validators=[Optional()])
    human_rights_breach = RadioField(_l("Human-rights breach found"), default="unknown",
                                     choices=_breach_choices, validators=[DataRequired()])


class SupplierForm(FlaskForm):
    """A picker over the supplier register (names only; issue 12 §7). The view fills the
    choices and refuses an id that is not in the register with its own message."""

    supplier_id = SelectField(_l("Supplier (choose from the register; none to unlink)"),
                              validators=[Optional(), Length(max=32)], validate_choice=False)


class LegalHoldForm(FlaskForm):
    """Hold the case ("1", with a reason and a review date) or release it ("0")."""

    hold = HiddenField(validators=[AnyOf(["1", "0"])])
    reason = SelectField(_l("Why the case is held"), validators=[Optional()],
                         choices=_hold_reason_choices, validate_choice=False)
    note = _text(_l("Note (sealed; required for another reason)"), required=False)
    review_at = DateField(_l("Review date (the hold lapses then unless renewed)"),
                          validators=[Optional()])


class EvidenceCopyForm(FlaskForm):
    """The evidence-copy step (issue 14 §10): only the CSRF token, so the download is a
    deliberate POST from the warning page, never a link followed or prefetched."""


class UserChoiceForm(FlaskForm):
    """Pick a colleague: to share the case with, or to leave out of it."""

    user_id = SelectField(_l("Person"), validators=[DataRequired()])


def _grant_reason_choices() -> list[tuple[str, str]]:
    return [("", _("None: a handler of the company or the group level"))] + [
        (code.value, str(label)) for code, label in GRANT_REASON_LABELS.items()]


class GrantForm(UserChoiceForm):
    """Share the case; a handler beyond the company and the group level needs a reason
    (issue 11 §3), and the reporter is told."""

    reason = SelectField(_l("Reason, if the handler works outside this company and the "
                            "group level"), validators=[Optional()],
                         choices=_grant_reason_choices, validate_choice=False)
    note = _text(_l("Note on the reason (sealed; required for another reason)"),
                 required=False)


class EscalateForm(FlaskForm):
    manager_id = SelectField(_l("Manager"), validators=[DataRequired()])
    summary = _text(_l("Summary for the manager (they see only this, not the report)"))


class DecisionForm(FlaskForm):
    decision = RadioField(_l("Decision"), validators=[DataRequired()],
                          choices=_decision_choices)
    note = _text(_l("Note on the decision (optional)"), required=False)


class RegisterForm(FlaskForm):
    """A report received orally or in a meeting (Directive 2019/1937 Art. 9(2), 18)."""

    channel = RadioField(_l("How was the report received?"), validators=[DataRequired()],
                         choices=_channel_choices)
    unit = SelectField(_l("Company concerned"), validators=[DataRequired()])
    category = SelectField(_l("What is the report about?"), validators=[DataRequired()])
    language = SelectField(_l("The reporter's language"), validators=[DataRequired()])
    description = _text(_l("The report in short"))
    minutes = _text(_l("Minutes of the conversation (the reporter will read and confirm "
                       "them)"))


class ApprovalDecisionForm(FlaskForm):
    """Another holder's decision on a request to leave a person out or take them back in."""

    kind = HiddenField(validators=[AnyOf([ApprovalKind.CASE_EXCLUSION,
                                          ApprovalKind.CASE_REINSTATEMENT])])
    decision = HiddenField(validators=[AnyOf(["approve", "reject"])])


# Working-environment duties (AML ch. 2A; issue 11 §7): admin.cases.leader_intake and
# admin.cases.workplace.
MAX_IDENTITY = 500


def _limited_text(label: str, *, required: bool = True, limit: int = MAX_TEXT) -> TextAreaField:
    checks = [DataRequired(_l("This field is required."))] if required else [Optional()]
    return TextAreaField(label, validators=[
        *checks, Length(max=limit, message=_l("At most %(max)d characters.", max=limit))])


class LeaderIntakeForm(FlaskForm):
    """A concern told in person to a leader; `identity` is sealed as the report's contact."""

    unit = SelectField(_l("Company concerned"), validators=[DataRequired()])
    category = SelectField(_l("What is the report about?"), validators=[DataRequired()])
    language = SelectField(_l("The reporter's language"), validators=[DataRequired()])
    description = _limited_text(_l("The concern in short"))
    account = _limited_text(_l("What you were told (the reporter can read this and confirm "
                               "or correct it with the case code)"))
    identity = _limited_text(_l("The reporter's name and contact details, only if they want "
                                "to be known to the case handlers"),
                             required=False, limit=MAX_IDENTITY)


CHECKED = "checked"
NOT_APPLICABLE = "not_applicable"


class LinkForm(FlaskForm):
    earlier_case_id = StringField(_l("Id of the earlier case (the last part of the address "
                                     "of its page)"),
                                  validators=[DataRequired(), Length(max=64)])


def _result_choices() -> list[tuple[str, str]]:
    return [(CHECKED, _("Checked: the working environment is fully satisfactory or measures "
                        "are in hand")),
            (NOT_APPLICABLE, _("Not applicable"))]


def _reason_choices() -> list[tuple[str, str]]:
    return [("", _("Choose…"))] + [(reason.value, str(label)) for reason, label
                                   in NOT_APPLICABLE_REASON_LABELS.items()]


class WorkEnvironmentForm(FlaskForm):
    result = RadioField(_l("Result"), choices=_result_choices, validators=[DataRequired()])
    checked_on = DateField(_l("Checked on"), validators=[Optional()])
    reason = SelectField(_l("Why it does not apply"), choices=_reason_choices,
                         validators=[Optional()])
    note = TextAreaField(_l("Note (optional; sealed, only the case's handlers can read it)"),
                         validators=[Optional(), Length(max=MAX_NOTE)])


class AssigneeForm(FlaskForm):
    """Who has taken the case on (issue 14 §8); "" clears it."""

    user_id = SelectField(_l("Assignee"), validators=[Optional()])
