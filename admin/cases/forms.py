"""Case-handling forms. `body` on the reply form is the interface contract (design §6).

Choices that depend on the database (units, handlers, managers) are filled by the views.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional

from portal.states import (
    CLOSING_REASON_LABELS,
    ApprovalKind,
    Channel,
    EscalationDecision,
)

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


class ActionForm(FlaskForm):
    """Only the CSRF token: for buttons such as "Acknowledge"."""


def _closing_reason_choices() -> list[tuple[str, str]]:
    return [("", _("Not needed: the feedback has been sent"))] + [
        (reason.value, str(label)) for reason, label in CLOSING_REASON_LABELS.items()]


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
    hold = HiddenField(validators=[AnyOf(["1", "0"])])


class UserChoiceForm(FlaskForm):
    """Pick a colleague: to share the case with, or to leave out of it."""

    user_id = SelectField(_l("Person"), validators=[DataRequired()])


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
