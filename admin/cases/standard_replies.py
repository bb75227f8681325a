"""Standard replies on the case page (issue 16 §7; texts in portal.cases.standard_replies).

Without JavaScript: the reply group has a small GET form, a select of the standard replies and
a "Use this standard reply" button. Its answer is the case page with the reply box filled in
with the chosen text in the reporter's language, the same text in the handler's language beside
it to read, and the reply group open. Nothing is sent until the handler sends the reply box as
any other reply (`actions.reply`), so what the reporter gets is what the handler saw and kept.
The GET carries only the reply's key; it changes nothing and needs no CSRF token.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import flash, request
from flask_babel import LazyString, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from admin.cases.blueprint import back_to_case, opened_case_or_404
from admin.cases.forms import ReplyForm
from admin.cases.overview import language_name
from config.languages import BY_CODE, Direction, direction
from portal.access import roles_required
from portal.cases.handling import HandlerCase
from portal.cases.reading import reporter_language
from portal.cases.standard_replies import StandardReply, standard_reply_text
from portal.extensions import settings_of
from portal.models import Role

# What the handler picks from, in the handler's language.
STANDARD_REPLY_LABELS: dict[StandardReply, LazyString] = {
    StandardReply.MORE_DETAILS: _l("Ask for more details (when and where)"),
    StandardReply.BEING_FOLLOWED_UP: _l("The report is being followed up; when to look in "
                                        "again"),
    StandardReply.CONTACT_OR_MEETING: _l("Ask whether the reporter would like to talk or "
                                         "meet"),
    StandardReply.FOLLOW_UP_CONCLUDED: _l("The follow-up is finished; the feedback follows"),
}


@dataclass(frozen=True)
class StandardReplyDraft:
    """A standard reply put into the reply box: the text the reporter would get (in the box)
    and the same text in the handler's language, to read only."""

    key: StandardReply
    form: ReplyForm
    reporter_language: str
    reporter_language_name: str
    reporter_direction: Direction
    reporter_text: str
    handler_text: str


def standard_reply_choices() -> list[tuple[str, str]]:
    return [(str(key), str(label)) for key, label in STANDARD_REPLY_LABELS.items()]


def _draft(opened: HandlerCase, key: StandardReply) -> StandardReplyDraft:
    settings = settings_of()
    language = reporter_language(opened.case, opened.keys) or settings.default_language
    if language not in BY_CODE:
        language = settings.default_language
    text = standard_reply_text(key, language)
    form = ReplyForm(formdata=None, data={"body": text})
    return StandardReplyDraft(
        key=key, form=form, reporter_language=language,
        reporter_language_name=language_name(language),
        reporter_direction=direction(language), reporter_text=text,
        handler_text=standard_reply_text(key, str(get_locale() or settings.default_language)))


@roles_required(Role.HANDLER)
def use_standard_reply(case_id: str) -> Response | str:
    """The case page with the chosen standard reply in the reply box (nothing is sent)."""
    # The page's module imports this one: imported when first needed.
    from admin.cases.page import handler_page

    staff, opened = opened_case_or_404(case_id)
    chosen = request.args.get("reply", "")
    if chosen not in set(StandardReply):
        flash(_("Choose a standard reply from the list."), "error")
        return back_to_case(case_id)
    return handler_page(staff, opened, standard_reply=_draft(opened, StandardReply(chosen)))
