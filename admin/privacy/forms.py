"""Forms of the staff side's GDPR duties."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.cases.concerned_person import NOTE_MAX
from portal.models.concerned_person import (
    DEFERRAL_REASONS,
    NOT_APPLICABLE_REASONS,
    ConcernedPersonReason,
    ConcernedPersonStatus,
)


def status_labels() -> dict[str, str]:
    return {
        ConcernedPersonStatus.INFORMED: _("Informed"),
        ConcernedPersonStatus.DEFERRED: _("Deferred"),
        ConcernedPersonStatus.NOT_APPLICABLE: _("Not applicable"),
    }


def reason_labels() -> dict[str, str]:
    return {
        ConcernedPersonReason.INVESTIGATION: _(
            "Deferred: informing now would seriously impair the follow-up (GDPR Art. 14(5)(b))"),
        ConcernedPersonReason.REPORTER_IDENTITY: _(
            "Deferred: informing now could reveal the reporter (GDPR Art. 23, Directive Art. 16)"),
        ConcernedPersonReason.AUTHORITY_REQUEST: _(
            "Deferred: a public authority asked us to wait (GDPR Art. 23(1)(d))"),
        ConcernedPersonReason.NO_PERSON: _("Not applicable: the report names no identifiable "
                                           "person"),
        ConcernedPersonReason.ALREADY_INFORMED: _(
            "Not applicable: the person already has the information (GDPR Art. 14(5)(a))"),
        ConcernedPersonReason.IMPOSSIBLE: _(
            "Not applicable: informing is impossible or disproportionate (GDPR Art. 14(5)(b))"),
    }


class ConcernedPersonForm(FlaskForm):
    """One decision about informing the person concerned."""

    status = RadioField(_l("Decision"), validators=[InputRequired()])
    reason = SelectField(_l("Reason"), validators=[Optional()])
    informed_on = DateField(_l("Informed on"), validators=[Optional()])
    review_on = DateField(_l("Review the deferral by"), validators=[Optional()])
    note = TextAreaField(_l("Justification (sealed, for the case's handlers only)"),
                         validators=[Optional(), Length(max=NOTE_MAX)])

    def fill_choices(self) -> ConcernedPersonForm:
        self.status.choices = list(status_labels().items())
        reasons = reason_labels()
        self.reason.choices = [("", _("Choose…"))] + [
            (code, reasons[code]) for code in (*DEFERRAL_REASONS, *NOT_APPLICABLE_REASONS)]
        return self
