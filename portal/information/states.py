"""States of an information request, and what the audit log records of them (ids only)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from portal.states import AuditActionCatalogue


class RequestStatus(StrEnum):
    RECEIVED = "received"
    # The answer will come later than three weeks, and the requester was told in time.
    EXTENDED = "extended"
    ANSWERED = "answered"
    REFUSED = "refused"
    # Not a request but a report of wrongdoing: closed with a letter pointing to the report
    # form (never turned into a case: a report must come from the reporter).
    MOVED_TO_CHANNEL = "moved_to_channel"


OPEN_STATUSES = (RequestStatus.RECEIVED, RequestStatus.EXTENDED)


class ContactKind(StrEnum):
    EMAIL = "email"
    POSTAL = "postal"
    # A request moved from a channel case whose reporter gave no address: it cannot be
    # answered in writing (never offered on the public form).
    NONE = "none"


class Delivery(StrEnum):
    """How the last letter to the requester stands."""

    # An e-mail waiting for the commit, or for the mail server.
    PENDING = "pending"
    SENT = "sent"
    # The mail server refused or was down: compliance sends it again from the register.
    FAILED = "failed"
    # A postal address: compliance prints the letter and records when it was posted.
    TO_POST = "to_post"
    POSTED = "posted"


class LetterKind(StrEnum):
    ANSWER = "answer"
    EXTENSION = "extension"
    REFUSAL = "refusal"
    MOVED_TO_CHANNEL = "moved_to_channel"


class RefusalGround(StrEnum):
    """The only grounds on which a request may be refused (Transparency Act §6 second
    paragraph, letters a–d)."""

    UNCLEAR = "unclear"
    MANIFESTLY_UNREASONABLE = "manifestly_unreasonable"
    PERSONAL_MATTERS = "personal_matters"
    TRADE_SECRETS = "trade_secrets"


REFUSAL_GROUND_LABELS: Mapping[RefusalGround, LazyString] = {
    RefusalGround.UNCLEAR: _l(
        "The request does not make it possible to identify what it concerns "
        "(Transparency Act §6 second paragraph letter a)"),
    RefusalGround.MANIFESTLY_UNREASONABLE: _l(
        "The request is manifestly unreasonable (Transparency Act §6 second paragraph "
        "letter b)"),
    RefusalGround.PERSONAL_MATTERS: _l(
        "The information asked for concerns a person's personal matters (Transparency Act §6 "
        "second paragraph letter c)"),
    RefusalGround.TRADE_SECRETS: _l(
        "The information asked for concerns technical devices and procedures or other "
        "operational or business matters that it is of competitive importance to keep secret "
        "(Transparency Act §6 second paragraph letter d)"),
}

STATUS_LABELS: Mapping[RequestStatus, LazyString] = {
    RequestStatus.RECEIVED: _l("Received"),
    RequestStatus.EXTENDED: _l("Extended"),
    RequestStatus.ANSWERED: _l("Answered"),
    RequestStatus.REFUSED: _l("Refused"),
    RequestStatus.MOVED_TO_CHANNEL: _l("Moved to the whistleblowing channel"),
}

DELIVERY_LABELS: Mapping[Delivery, LazyString] = {
    Delivery.PENDING: _l("Being sent"),
    Delivery.SENT: _l("Sent by e-mail"),
    Delivery.FAILED: _l("Not sent: the mail server did not take it"),
    Delivery.TO_POST: _l("To be posted"),
    Delivery.POSTED: _l("Posted"),
}


class InformationAction(AuditActionCatalogue):
    """What the audit log records of information requests: who did what to which request."""

    RECEIVED = "information_request.received"
    OPENED = "information_request.opened"
    SHARED = "information_request.shared"
    EXTENDED = "information_request.extended"
    ANSWERED = "information_request.answered"
    REFUSED = "information_request.refused"
    POSTED = "information_request.posted"
    RESENT = "information_request.resent"
    CREATED_FROM_CASE = "information_request.created_from_case"
    MOVED_TO_CHANNEL = "information_request.moved_to_channel"

    @classmethod
    def labels(cls) -> Mapping[StrEnum, LazyString]:
        return INFORMATION_ACTION_LABELS


INFORMATION_ACTION_LABELS: dict[StrEnum, LazyString] = {
    InformationAction.RECEIVED: _l("Information request received"),
    InformationAction.OPENED: _l("Information request opened"),
    InformationAction.SHARED: _l("Information request shared with another compliance officer"),
    InformationAction.EXTENDED: _l("Information request: deadline extended"),
    InformationAction.ANSWERED: _l("Information request answered"),
    InformationAction.REFUSED: _l("Information request refused"),
    InformationAction.POSTED: _l("Information request: letter posted"),
    InformationAction.RESENT: _l("Information request: letter sent again"),
    InformationAction.CREATED_FROM_CASE: _l(
        "Information request made from a whistleblowing case filed in the wrong place"),
    InformationAction.MOVED_TO_CHANNEL: _l(
        "Information request closed as a report for the whistleblowing channel"),
}
