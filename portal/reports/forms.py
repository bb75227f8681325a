"""Reporter forms. Field names are the interface contract (design §6)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    MultipleFileField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.states import IdentityChoice

DONT_KNOW = "dont_know"
MAX_DESCRIPTION = 20_000
MAX_MESSAGE = 20_000
# Worded so the reporter knows the cost before sending (issue: metadata removal, point 1).
KEEP_ORIGINALS_LABEL = _l("Also keep my original files unchanged for the case handlers. "
                          "Originals can contain hidden information such as the location "
                          "where a photo was taken and the device.")


MAX_REPORTER_NAME = 200


def _identity_choices() -> list[tuple[str, str]]:
    # Read when the form is built, in the request's language.
    return [(IdentityChoice.ANONYMOUS, _("Stay anonymous")),
            (IdentityChoice.NAMED, _("Give my name in confidence"))]


class CheckboxListField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ReportForm(FlaskForm):
    category = RadioField(_l("What is your report about?"),
                          validators=[DataRequired(_l("Choose what the report is about."))])
    unit = SelectField(
        _l("Which company does it concern?"),
        validators=[DataRequired(
            _l("Choose a company, or \"I don't know / several companies\".")
        )],
    )
    supplier = StringField(_l("Supplier concerned (optional)"),
                           validators=[Optional(), Length(max=200)])
    location = StringField(_l("Where did it happen? (optional)"),
                           validators=[Optional(), Length(max=300)])
    period = StringField(_l("When did it happen? (optional)"),
                         validators=[Optional(), Length(max=200)])
    description = TextAreaField(
        _l("Describe what happened"),
        validators=[DataRequired(_l("Describe what happened.")),
                    Length(max=MAX_DESCRIPTION,
                           message=_l("The description is too long (%(max)d characters at most).",
                                      max=MAX_DESCRIPTION))],
    )
    attachments = MultipleFileField(_l("Attachments (optional)"))
    keep_originals = BooleanField(KEEP_ORIGINALS_LABEL, default=False)
    contact = TextAreaField(_l("Contact details (optional)"),
                            validators=[Optional(), Length(max=500)])
    meeting = BooleanField(_l("I would like to meet a case handler in person"))
    exclude = CheckboxListField(_l("Leave out case handlers (optional)"), choices=[],
                                validate_choice=True)
    # Issue 11 §8: anonymous unless the reporter chooses otherwise (a form without the field
    # is anonymous too); the name is sealed apart from the answers (portal.cases.identity).
    identity = RadioField(_l("Anonymous, or confidential with your name?"),
                          choices=_identity_choices, default=IdentityChoice.ANONYMOUS)
    reporter_name = StringField(_l("Your name (only if you give it in confidence)"),
                                # No Optional(): it would stop the chain before the
                                # check that "named" comes with a name.
                                validators=[Length(max=MAX_REPORTER_NAME)])

    def validate_reporter_name(self, field: StringField) -> None:
        if self.identity.data == IdentityChoice.NAMED and not (field.data or "").strip():
            raise ValidationError(_("Write your name, or choose to stay anonymous."))

    def given_name(self) -> str:
        """The name to seal: only when the reporter chose to give it (a name typed before
        choosing "anonymous" is dropped, never stored)."""
        if self.identity.data != IdentityChoice.NAMED:
            return ""
        return (self.reporter_name.data or "").strip()


class FollowupForm(FlaskForm):
    case_code = StringField(_l("Case code"),
                            validators=[DataRequired(_l("Enter your case code."))])
    # A message the reporter was writing when their session ended (issue 14 §2): carried back
    # in the page itself, never stored, and put back in the message box once the code opens.
    body = TextAreaField(_l("Your message, not sent yet"),
                         validators=[Optional(), Length(max=MAX_MESSAGE)])


class ConfirmCodeForm(FlaskForm):
    """The reporter shows they kept the code by typing its last group (issue 14 §1)."""

    last_group = StringField(_l("Type the last group of your case code"),
                             validators=[DataRequired(_l("Type the last group of your "
                                                         "case code.")),
                                         Length(max=40)])


class MessageForm(FlaskForm):
    body = TextAreaField(
        _l("Your message"),
        validators=[Optional(),
                    Length(max=MAX_MESSAGE,
                           message=_l("The message is too long (%(max)d characters at most).",
                                      max=MAX_MESSAGE))],
    )
    attachments = MultipleFileField(_l("Attachments (optional)"))
    keep_originals = BooleanField(KEEP_ORIGINALS_LABEL, default=False)


class LogoutForm(FlaskForm):
    pass


class MeetingForm(FlaskForm):
    """Ask for a meeting with a case handler (Directive 2019/1937 Art. 9(2)): a button."""
