"""The top of the handler's case page (issue 14 §9): the next step in words, and the codes a
case stores (a language, the kinds of metadata removed from a file) as words a person reads."""

from __future__ import annotations

from babel import Locale, UnknownLocaleError
from flask_babel import get_locale
from flask_babel import gettext as _

from admin.time_zone import zoned_datetime
from portal.deadlines import Clocks
from portal.metadata import describe_removed
from portal.models import Case


def next_step(case: Case, clocks: Clocks) -> str:
    """What the handlers must do next, with its due date: the acknowledgement, a meeting the
    reporter asked for, the feedback, the outcome, then closing."""
    if case.closed_at is not None:
        if case.legal_hold:
            return str(_("Nothing is due: the case is closed and under legal hold."))
        return str(_("Nothing is due: the case is closed and its retention period runs."))
    if case.acknowledged_at is None:
        return str(_("Acknowledge receipt by %(date)s.",
                     date=zoned_datetime(clocks.acknowledgement_due)))
    if clocks.meeting_due is not None and clocks.meeting_held_at is None:
        return str(_("Hold the meeting the reporter asked for and record its minutes by "
                     "%(date)s.", date=zoned_datetime(clocks.meeting_due)))
    if case.feedback_at is None:
        return str(_("Give the reporter feedback by %(date)s: a reply sent as the feedback.",
                     date=zoned_datetime(clocks.feedback_due)))
    if case.outcome is None:
        return str(_("Record the outcome of the follow-up, then close the case."))
    return str(_("Close the case when the follow-up is done."))


def language_name(code: str | None) -> str:
    """A language code as the language's name in the page's language ("Norwegian Bokmål"
    for `nb` on an English page); an unknown code stays as it is rather than vanish."""
    if not code:
        return "–"
    try:
        name = Locale.parse(code).get_display_name(get_locale())
    except (UnknownLocaleError, ValueError):
        return code
    return name[:1].upper() + name[1:] if name else code


def removed_labels(keys: list[str]) -> list[str]:
    """The kinds of metadata removed from a file, in words (the reporter's own labels)."""
    return [str(_(label)) for label in describe_removed(keys)]
