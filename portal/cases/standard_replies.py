"""Standard replies to the reporter (issue 16 §7): a few ready-made texts a handler can start
a reply from, translated into every reporter language.

A standard reply is never sent by itself: the case page puts its text, in the reporter's
language, into the reply box, with the same text in the handler's language beside it to read;
the handler reads it, may change it, chooses whether it is the feedback, and sends it through
the ordinary reply (`handling.reply_to_reporter`: sealed under the case key, audited). So what
goes out is always what the handler saw in the box.

The texts are worded to be safe for any case: they promise no outcome, name nobody, ask for no
identity (a reporter may stay anonymous), and claim no more confidentiality than the channel
gives. They are `portal` strings, so the reporter-language tests hold them to a translation in
every language.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from flask_babel import force_locale
from flask_babel import gettext as _


class StandardReply(StrEnum):
    MORE_DETAILS = "more_details"
    BEING_FOLLOWED_UP = "being_followed_up"
    CONTACT_OR_MEETING = "contact_or_meeting"
    FOLLOW_UP_CONCLUDED = "follow_up_concluded"


def _texts() -> Mapping[StandardReply, str]:
    """The replies in the current locale (read when called, under `force_locale`)."""
    return {
        # Standard reply: asks when and where, without asking who the reporter is.
        StandardReply.MORE_DETAILS: _(
            "Thank you for your report. To follow it up, we need to know more. As far as you "
            "know: when did it happen (dates or a period), where did it happen (the company, "
            "site or department), and is it still going on? Please answer here with your "
            "case code. You do not have to tell us your name or anything else that could "
            "identify you."),
        # Standard reply: the case is being followed up; when to look in again.
        StandardReply.BEING_FOLLOWED_UP: _(
            "We are following up your report. This can take some time. Please look in here "
            "with your case code every two weeks or so: we write to you here if we have "
            "questions, and you will get our feedback on what has been done or is planned. "
            "You can add information here at any time."),
        # Standard reply: asks whether the reporter wants to talk or meet; voluntary.
        StandardReply.CONTACT_OR_MEETING: _(
            "It could help the follow-up to talk with you, by telephone or in a meeting. "
            "This is your choice: you can also go on writing to us here only. If you would "
            "like to talk or meet, please tell us here how and when we can reach you, or "
            "which times and places suit you. You decide which contact details you give us."),
        # Standard reply: the follow-up is concluded; the feedback follows here.
        StandardReply.FOLLOW_UP_CONCLUDED: _(
            "We have finished following up your report. Thank you for telling us about it. "
            "We will write to you here about what has been done or is planned. Please look in "
            "here with your case code."),
    }


def standard_reply_text(reply: StandardReply, language: str) -> str:
    """The standard reply in `language` (the reporter's, or the handler's to read)."""
    with force_locale(language):
        return str(_texts()[reply])
