"""Information requests (Transparency Act §6–7): filing, the clock, and the letters back.

The clock: the answer is due three weeks after receipt (§7 second paragraph). When answering
in three weeks would be disproportionately burdensome, the deadline can be moved to at most
two months after receipt, but only by telling the requester, within the three weeks, why and
when the answer will come: `extend` refuses once the three weeks have passed. A refusal names
one of the grounds of §6 second paragraph, the right to ask for a fuller justification within
three weeks, and that the Consumer Authority (Forbrukertilsynet) supervises (§7 third
paragraph).

What the requester wrote is sealed as report content is (docs/crypto.md §2): a key of its own,
wrapped with HPKE to every compliance officer whose key is certified for the compliance role
and to the recovery key. A compliance officer who opens the register wraps the open requests
for colleagues certified later (`share_with_colleagues`), so a new officer is not locked out.
The letters back are sealed under the same key; an e-mail leaves only after the commit, and
its delivery is recorded in a transaction of its own (nothing is marked sent that was not).
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from functools import partial
from typing import Any

from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from config import Settings
from crypto import InvalidCiphertext, new_case_key, open_item, seal_item
from crypto.envelopes import unwrap_case_key, wrap_case_key
from portal.audit import record_event
from portal.cases.handling import HandlerCase, change_status, reply_to_reporter
from portal.cases.keys import active_recovery_key
from portal.cases.reading import answers_language, open_case_view
from portal.db import after_commit, new_id, transaction, utcnow
from portal.deadlines import add_months, midnight_on_or_after
from portal.information.states import (
    OPEN_STATUSES,
    REFUSAL_GROUND_LABELS,
    ContactKind,
    Delivery,
    InformationAction,
    LetterKind,
    RefusalGround,
    RequestStatus,
)
from portal.key_directory import certified_public_key, is_certified, recovery_recipient_id
from portal.models import InformationRequest, InformationRequestWrap, OrgUnit, User, UserRole
from portal.notifications import (
    INFORMATION_REQUEST,
    INFORMATION_REQUEST_DUE,
    Notice,
    queue_notice,
    send_message,
)
from portal.refusals import N_, Refusal
from portal.serverkeys import ServerKeys
from portal.states import ActorKind, AuditAction, CaseStatus, ClosingReason, Role

ANSWER_WEEKS = 3
EXTENDED_MONTHS = 2
MAX_QUESTION = 10_000
MAX_LETTER = 20_000
MAX_NAME = 200
MAX_CONTACT = 500
REQUEST_KIND = "information_request"
LETTERS_KIND = "information_letters"
# A deliberately plain check: one @, something on each side, no spaces or line breaks.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

_log = logging.getLogger("aktsom.information")


class ChannelNotReady(Exception):
    """No compliance officer's key is certified to receive requests yet."""


@dataclass
class OpenedRequest:
    """A request as a compliance officer holding its key reads it."""

    request: InformationRequest
    key: bytes = field(repr=False)
    name: str
    contact: str
    question: str
    language: str
    letters: list[dict[str, str]]


def _context(request_id: str) -> str:
    return f"information-request:{request_id}"


def compliance_recipients(db: Session, keys: ServerKeys) -> list[User]:
    """Enabled compliance officers whose key is certified for the compliance role."""
    users = db.scalars(
        select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.COMPLIANCE, User.disabled.is_(False))
        .order_by(User.id).distinct())
    return [user for user in users if is_certified(keys, user, Role.COMPLIANCE)]


def channel_ready(db: Session, keys: ServerKeys) -> bool:
    return bool(compliance_recipients(db, keys))


def _new_reference(db: Session) -> str:
    while True:
        reference = "IR-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
        if db.scalar(select(InformationRequest.id).where(
                InformationRequest.reference == reference)) is None:
            return reference


def _seal(key: bytes, request_id: str, kind: str, value: Any) -> bytes:
    return seal_item(key, case_id=request_id, item_id=request_id, kind=kind,
                     plaintext=json.dumps(value, ensure_ascii=False).encode())


def _open(key: bytes, request_id: str, kind: str, blob: bytes) -> Any:
    return json.loads(open_item(key, case_id=request_id, item_id=request_id, kind=kind,
                                blob=blob))


def _wrap_for(request_id: str, recipient_id: str, public_key: bytes,
              key: bytes) -> InformationRequestWrap:
    return InformationRequestWrap(
        request_id=request_id, recipient_id=recipient_id,
        blob=wrap_case_key(key, public_key, case_id=_context(request_id),
                           recipient_id=recipient_id))


def check_request(*, name: str, contact_kind: str, contact: str, question: str) -> None:
    """Refuse what cannot be answered or is too long, with a message saying what to fix."""
    if contact_kind not in (ContactKind.EMAIL, ContactKind.POSTAL):
        raise Refusal(N_("Choose how we should answer: by e-mail or by post."))
    if not contact.strip():
        raise Refusal(N_("Give an e-mail or postal address: we answer in writing."))
    if len(contact) > MAX_CONTACT:
        raise Refusal(N_("The address is too long (%(max)d characters at most)."),
                      max=MAX_CONTACT)
    if contact_kind == ContactKind.EMAIL and not _EMAIL.match(contact.strip()):
        raise Refusal(N_("Enter an e-mail address such as name@example.org."))
    if len(name) > MAX_NAME:
        raise Refusal(N_("The name is too long (%(max)d characters at most)."), max=MAX_NAME)
    if not question.strip():
        raise Refusal(N_("Write your question."))
    if len(question) > MAX_QUESTION:
        raise Refusal(N_("The question is too long (%(max)d characters at most)."),
                      max=MAX_QUESTION)


def file_request(db: Session, keys: ServerKeys, settings: Settings, *, unit_id: str | None,
                 name: str, contact_kind: str, contact: str, question: str, language: str,
                 now: datetime | None = None) -> InformationRequest:
    """Receive a request from the public form; refused with `Refusal` on bad input and with
    `ChannelNotReady` while no compliance officer can receive it."""
    check_request(name=name, contact_kind=contact_kind, contact=contact, question=question)
    if unit_id is not None and db.get(OrgUnit, unit_id) is None:
        raise Refusal(N_("Choose a company from the list."))
    now = now or utcnow()
    request = _new_sealed_request(db, keys, settings, unit_id=unit_id, name=name,
                                  contact_kind=contact_kind, contact=contact,
                                  question=question, language=language, now=now)
    record_event(db, keys.audit, action=InformationAction.RECEIVED,
                 actor_kind=ActorKind.REPORTER, target_id=request.id, at=now)
    return request


def _new_sealed_request(db: Session, keys: ServerKeys, settings: Settings, *,
                        unit_id: str | None, name: str, contact_kind: str, contact: str,
                        question: str, language: str, now: datetime) -> InformationRequest:
    """Store a request sealed for the compliance officers (and the recovery key) and tell
    them; `ChannelNotReady` while none can receive it. The one place requests are sealed."""
    recipients = compliance_recipients(db, keys)
    if not recipients:
        raise ChannelNotReady()
    key = new_case_key()
    request = InformationRequest(
        id=new_id(), reference=_new_reference(db), unit_id=unit_id, received_at=now,
        due_at=midnight_on_or_after(now + timedelta(weeks=ANSWER_WEEKS)),
        status=RequestStatus.RECEIVED, contact_kind=contact_kind, named=bool(name.strip()),
        sealed=b"")
    request.sealed = _seal(key, request.id, REQUEST_KIND, {
        "name": name.strip(), "contact": contact.strip(), "question": question,
        "language": language})
    db.add(request)
    db.flush()
    for user in recipients:
        db.add(_wrap_for(request.id, user.id, certified_public_key(keys, user, Role.COMPLIANCE),
                         key))
    recovery = active_recovery_key(db, keys)
    if recovery is not None:
        db.add(_wrap_for(request.id, recovery_recipient_id(recovery), recovery.public_key, key))
    queue_notice(db, settings, Notice(INFORMATION_REQUEST,
                                      tuple(user.email for user in recipients)))
    return request


def latest_allowed_extension(request: InformationRequest) -> datetime:
    """Two months after receipt (§7 second paragraph), to the end of that day."""
    return midnight_on_or_after(add_months(request.received_at, EXTENDED_MONTHS))


def deadline_of(request: InformationRequest) -> datetime:
    return request.extended_to or request.due_at


def last_day(deadline: datetime) -> date:
    """The last day on which an answer is in time (deadlines are stored as the midnight that
    ends that day)."""
    return (deadline - timedelta(days=1)).date()


def is_overdue(request: InformationRequest, now: datetime) -> bool:
    return request.status in OPEN_STATUSES and now >= deadline_of(request)


def open_request(db: Session, request_id: str, user_id: str,
                 private_key: bytes) -> OpenedRequest | None:
    """The request as this officer reads it, or None if they hold no wrap that opens."""
    row = db.execute(
        select(InformationRequestWrap, InformationRequest)
        .join(InformationRequest, InformationRequest.id == InformationRequestWrap.request_id)
        .where(InformationRequestWrap.request_id == request_id,
               InformationRequestWrap.recipient_id == user_id)).first()
    if row is None:
        return None
    wrap, request = row
    try:
        key = unwrap_case_key(wrap.blob, private_key, case_id=_context(request_id),
                              recipient_id=user_id)
        content = _open(key, request.id, REQUEST_KIND, request.sealed)
        letters = (_open(key, request.id, LETTERS_KIND, request.letters)
                   if request.letters else [])
    except (InvalidCiphertext, ValueError):
        _log.warning("information request did not open")
        return None
    return OpenedRequest(request=request, key=key, name=content["name"],
                         contact=content["contact"], question=content["question"],
                         language=content["language"], letters=letters)


def share_with_colleagues(db: Session, keys: ServerKeys, user: User,
                          private_key: bytes) -> int:
    """Wrap every open request this officer can open for certified colleagues who hold no
    wrap yet (an officer certified after the request came in); returns the wraps added."""
    colleagues = {colleague.id: colleague for colleague in compliance_recipients(db, keys)}
    open_ids = list(db.scalars(select(InformationRequest.id).where(
        InformationRequest.status.in_(OPEN_STATUSES))))
    if not open_ids or len(colleagues) < 2:
        return 0
    held: dict[str, set[str]] = {}
    for request_id, recipient_id in db.execute(
            select(InformationRequestWrap.request_id, InformationRequestWrap.recipient_id)
            .where(InformationRequestWrap.request_id.in_(open_ids))):
        held.setdefault(request_id, set()).add(recipient_id)
    added = 0
    for request_id in open_ids:
        holders = held.get(request_id, set())
        missing = [colleague for colleague_id, colleague in colleagues.items()
                   if colleague_id not in holders]
        if user.id not in holders or not missing:
            continue
        opened = open_request(db, request_id, user.id, private_key)
        if opened is None:
            continue
        for colleague in missing:
            db.add(_wrap_for(request_id, colleague.id,
                             certified_public_key(keys, colleague, Role.COMPLIANCE),
                             opened.key))
            record_event(db, keys.audit, action=InformationAction.SHARED,
                         actor_kind=ActorKind.USER, actor_id=user.id, target_id=request_id)
            added += 1
    return added


def _require_open(request: InformationRequest) -> None:
    if request.status not in OPEN_STATUSES:
        raise Refusal(N_("This request has already been answered or refused."))


def _letter_date(day: date) -> str:
    """A date inside a translated sentence, written as the current locale writes dates (a
    letter calls it under the requester's `force_locale`): never ISO text in a sentence."""
    return str(format_date(day, "long"))


def _letter_subject(reference: str) -> str:
    return str(_("Your information request %(reference)s", reference=reference))


def extension_text(opened: OpenedRequest, settings: Settings, *, until: datetime,
                   reason: str) -> str:
    with force_locale(opened.language):
        return str(_(
            "We received your information request %(reference)s on %(received)s. Because of "
            "the scope or nature of the information you asked for, answering within three "
            "weeks would be disproportionately burdensome. Why: %(reason)s\n\n"
            "You will have our answer no later than %(until)s.\n\n%(organisation)s",
            reference=opened.request.reference,
            received=_letter_date(opened.request.received_at.date()), reason=reason,
            until=_letter_date(last_day(until)),
            organisation=settings.organisation_name))


def refusal_text(opened: OpenedRequest, settings: Settings, *, ground: RefusalGround,
                 explanation: str) -> str:
    with force_locale(opened.language):
        parts: list[str] = [_(
            "We have decided not to give the information you asked for in your request "
            "%(reference)s of %(received)s.", reference=opened.request.reference,
            received=_letter_date(opened.request.received_at.date())),
            _("Legal basis: %(ground)s.", ground=str(REFUSAL_GROUND_LABELS[ground]))]
        if explanation.strip():
            parts.append(explanation.strip())
        parts.append(_(
            "You may ask us for a fuller justification of this refusal within three weeks of "
            "receiving it."))
        parts.append(_(
            "The Norwegian Consumer Authority (Forbrukertilsynet) supervises compliance with "
            "the Transparency Act."))
        parts.append(settings.organisation_name)
        return "\n\n".join(parts)


def _record_letter(db: Session, settings: Settings, opened: OpenedRequest, kind: LetterKind,
                   text: str, now: datetime, factory: sessionmaker[Session]) -> None:
    letters = [*opened.letters, {"kind": str(kind), "text": text, "at": now.isoformat()}]
    opened.letters = letters
    opened.request.letters = _seal(opened.key, opened.request.id, LETTERS_KIND, letters)
    _queue_delivery(db, settings, opened, text, factory)


def _queue_delivery(db: Session, settings: Settings, opened: OpenedRequest, text: str,
                    factory: sessionmaker[Session]) -> None:
    request = opened.request
    if request.contact_kind == ContactKind.POSTAL:
        request.delivery = Delivery.TO_POST
        return
    if request.contact_kind == ContactKind.NONE:
        # No address was given (a request moved from a channel case): the letter is kept in
        # the register, and nothing can be delivered.
        request.delivery = None
        return
    request.delivery = Delivery.PENDING
    with force_locale(opened.language):
        subject = _letter_subject(request.reference)
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = opened.contact
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.mail_from.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-replied"
    message.set_content(text)
    after_commit(db, partial(_deliver, factory, settings, request.id, message))


def _deliver(factory: sessionmaker[Session], settings: Settings, request_id: str,
             message: EmailMessage) -> None:
    """After the commit: send, then record whether it went (its own transaction)."""
    sent = send_message(settings, message)
    with transaction(factory) as db:
        db.execute(update(InformationRequest).where(
            InformationRequest.id == request_id,
            InformationRequest.delivery == Delivery.PENDING,
        ).values(delivery=Delivery.SENT if sent else Delivery.FAILED))


def _audit(db: Session, keys: ServerKeys, user: User, action: InformationAction,
           request: InformationRequest, now: datetime) -> None:
    record_event(db, keys.audit, action=action, actor_kind=ActorKind.USER, actor_id=user.id,
                 target_id=request.id, at=now)


def extend(db: Session, keys: ServerKeys, settings: Settings, opened: OpenedRequest,
           user: User, *, until: date, reason: str, factory: sessionmaker[Session],
           now: datetime | None = None) -> None:
    """Move the deadline (at most two months after receipt) and tell the requester why and
    when; only within the three weeks, and only once."""
    now = now or utcnow()
    request = opened.request
    _require_open(request)
    if request.status == RequestStatus.EXTENDED:
        raise Refusal(N_("The deadline has already been extended once."))
    if now >= request.due_at:
        raise Refusal(N_("The three weeks have passed: the law allows an extension only if the "
                         "requester is told within three weeks of receipt. Answer now."))
    if not reason.strip():
        raise Refusal(N_("Say why answering within three weeks would be disproportionately "
                         "burdensome: the requester must be told."))
    if len(reason) > MAX_LETTER:
        raise Refusal(N_("The text is too long (%(max)d characters at most)."), max=MAX_LETTER)
    new_due = midnight_on_or_after(datetime.combine(until, time(), tzinfo=UTC)
                                   + timedelta(days=1))
    if new_due <= request.due_at:
        raise Refusal(N_("The new date must be later than the three-week deadline."))
    if new_due > latest_allowed_extension(request):
        raise Refusal(N_("The new date can be at most two months after the request was "
                         "received (%(latest)s)."),
                      latest=_letter_date(last_day(latest_allowed_extension(request))))
    request.status = RequestStatus.EXTENDED
    request.extended_to = new_due
    request.extension_noticed_at = now
    _record_letter(db, settings, opened, LetterKind.EXTENSION,
                   extension_text(opened, settings, until=new_due, reason=reason.strip()),
                   now, factory)
    _audit(db, keys, user, InformationAction.EXTENDED, request, now)


def answer(db: Session, keys: ServerKeys, settings: Settings, opened: OpenedRequest,
           user: User, *, text: str, factory: sessionmaker[Session],
           now: datetime | None = None) -> None:
    """Record the written answer and send it (§7 first paragraph)."""
    now = now or utcnow()
    _require_open(opened.request)
    if not text.strip():
        raise Refusal(N_("Write the answer."))
    if len(text) > MAX_LETTER:
        raise Refusal(N_("The text is too long (%(max)d characters at most)."), max=MAX_LETTER)
    opened.request.status = RequestStatus.ANSWERED
    opened.request.closed_at = now
    _record_letter(db, settings, opened, LetterKind.ANSWER, text.strip(), now, factory)
    _audit(db, keys, user, InformationAction.ANSWERED, opened.request, now)


def refuse(db: Session, keys: ServerKeys, settings: Settings, opened: OpenedRequest,
           user: User, *, ground: str, explanation: str, factory: sessionmaker[Session],
           now: datetime | None = None) -> None:
    """Refuse on a statutory ground only, with the wording §7 requires."""
    now = now or utcnow()
    _require_open(opened.request)
    if ground not in tuple(RefusalGround):
        raise Refusal(N_("Choose one of the grounds the law allows."))
    if len(explanation) > MAX_LETTER:
        raise Refusal(N_("The text is too long (%(max)d characters at most)."), max=MAX_LETTER)
    opened.request.status = RequestStatus.REFUSED
    opened.request.refusal_ground = ground
    opened.request.closed_at = now
    _record_letter(db, settings, opened, LetterKind.REFUSAL,
                   refusal_text(opened, settings, ground=RefusalGround(ground),
                                explanation=explanation), now, factory)
    _audit(db, keys, user, InformationAction.REFUSED, opened.request, now)


def send_again(db: Session, keys: ServerKeys, settings: Settings, opened: OpenedRequest,
               user: User, *, factory: sessionmaker[Session], now: datetime | None = None) -> None:
    """Send the last letter again after the mail server did not take it."""
    now = now or utcnow()
    if opened.request.delivery != Delivery.FAILED or not opened.letters:
        raise Refusal(N_("There is no letter waiting to be sent again."))
    _queue_delivery(db, settings, opened, opened.letters[-1]["text"], factory)
    _audit(db, keys, user, InformationAction.RESENT, opened.request, now)


def mark_posted(db: Session, keys: ServerKeys, request: InformationRequest, user: User, *,
                now: datetime | None = None) -> None:
    """Record that the printed letter to a postal address was posted."""
    now = now or utcnow()
    if request.delivery != Delivery.TO_POST:
        raise Refusal(N_("There is no letter waiting to be posted."))
    request.delivery = Delivery.POSTED
    _audit(db, keys, user, InformationAction.POSTED, request, now)


def register(db: Session) -> list[InformationRequest]:
    """Every request, the open ones first by deadline, then the closed ones newest first."""
    rows = list(db.scalars(select(InformationRequest)))
    open_rows = sorted((row for row in rows if row.status in OPEN_STATUSES), key=deadline_of)
    closed = sorted((row for row in rows if row.status not in OPEN_STATUSES),
                    key=lambda row: row.received_at, reverse=True)
    return open_rows + closed


def due_soon(db: Session, *, now: datetime, window: timedelta) -> list[InformationRequest]:
    """Open requests due within `window` (or overdue) whose officers were not yet reminded."""
    rows = db.scalars(select(InformationRequest).where(
        InformationRequest.status.in_(OPEN_STATUSES),
        InformationRequest.reminded_at.is_(None)))
    return [row for row in rows if deadline_of(row) <= now + window]


def purge_closed(db: Session, *, now: datetime, keep_days: int) -> int:
    """Crypto-shred requests closed more than `keep_days` ago: every wrap of their key is
    deleted and the sealed text dropped, so nobody can read them again; the clear row (dates,
    status, ground) stays for the yearly figures. Returns how many were purged."""
    cutoff = now - timedelta(days=keep_days)
    ids = list(db.scalars(select(InformationRequest.id).where(
        InformationRequest.status.not_in(OPEN_STATUSES),
        InformationRequest.closed_at <= cutoff, InformationRequest.sealed != b"")))
    if not ids:
        return 0
    db.execute(delete(InformationRequestWrap).where(
        InformationRequestWrap.request_id.in_(ids)))
    db.execute(update(InformationRequest).where(InformationRequest.id.in_(ids))
               .values(sealed=b"", letters=None))
    return len(ids)


# Remind the compliance officers this long before an answer is due (once per request).
REMINDER_WINDOW = timedelta(days=5)


def reminders(db: Session, keys: ServerKeys, *,
              now: datetime) -> tuple[list[str], Notice]:
    """The open requests due within `REMINDER_WINDOW` (or overdue) not yet reminded of, and
    the content-free notice for the officers who can open them."""
    due = due_soon(db, now=now, window=REMINDER_WINDOW)
    officers = tuple(sorted(user.email for user in compliance_recipients(db, keys)))
    return [row.id for row in due], Notice(INFORMATION_REQUEST_DUE, officers if due else ())


def mark_requests_reminded(db: Session, request_ids: list[str], now: datetime) -> None:
    if request_ids:
        db.execute(update(InformationRequest).where(InformationRequest.id.in_(request_ids))
                   .values(reminded_at=now))


# --- a channel case filed in the wrong place (issue 13 §1) ----------------------------------


def _moved_message(language: str, reference: str, has_address: bool) -> str:
    """What the reporter reads in the case dialogue when their case becomes a request."""
    with force_locale(language):
        parts = [_(
            "Your message asks about how we work with human rights and decent working "
            "conditions in our supply chain. That is an information request under the "
            "Transparency Act, not a whistleblowing report, so we have passed your question to "
            "the compliance officers who answer such requests (reference %(reference)s) and "
            "closed this case.", reference=reference)]
        if has_address:
            parts.append(_("They will answer you in writing at the address you gave us."))
        else:
            parts.append(_(
                "You did not give us an address, so they cannot answer you in writing. If you "
                "would like a written answer, please send your question again through the "
                "information request form on this website, with an e-mail or postal "
                "address."))
        return "\n\n".join(parts)


def move_case_to_request(db: Session, keys: ServerKeys, settings: Settings, *,
                         opened: HandlerCase, user: User,
                         now: datetime | None = None) -> InformationRequest:
    """Turn a channel case that is really an information request into one: the report's
    description becomes the question and its contact (if any) the answer address; the
    request is sealed for the compliance officers as a request from the form is; the case
    is closed with its own reason and the reporter told, in the case dialogue, where the
    question went. Audited on both sides, ids only."""
    case = opened.case
    if case.status == CaseStatus.CLOSED:
        raise Refusal(N_("The case is closed: reopen it before moving it."))
    if case.legal_hold:
        raise Refusal(N_("The case is under a legal hold and cannot be moved."))
    answers = open_case_view(db, case, opened.keys).answers
    if not answers or not str(answers.get("description") or "").strip():
        raise Refusal(N_("The report's text cannot be read, so it cannot be moved."))
    question = str(answers["description"])
    contact = str(answers.get("contact") or "").strip()
    if not contact:
        contact_kind = ContactKind.NONE
    elif _EMAIL.match(contact):
        contact_kind = ContactKind.EMAIL
    else:
        # Not an e-mail address: kept as a postal address, for compliance to read and use.
        contact_kind = ContactKind.POSTAL
    language = answers_language(answers) or settings.default_language
    now = now or utcnow()
    request = _new_sealed_request(db, keys, settings, unit_id=case.unit_id, name="",
                                  contact_kind=contact_kind, contact=contact[:MAX_CONTACT],
                                  question=question, language=language, now=now)
    record_event(db, keys.audit, action=InformationAction.CREATED_FROM_CASE,
                 actor_kind=ActorKind.USER, actor_id=user.id, target_id=request.id, at=now)
    record_event(db, keys.audit, action=AuditAction.CASE_MOVED_TO_INFORMATION_REQUEST,
                 actor_kind=ActorKind.USER, actor_id=user.id, case_id=case.id,
                 target_id=request.id, at=now)
    reply_to_reporter(db, keys, opened=opened, user=user, is_feedback=False, now=now,
                      body=_moved_message(language, request.reference, bool(contact)))
    change_status(db, keys, case=case, user=user, status=CaseStatus.CLOSED,
                  closing_reason=ClosingReason.MOVED_TO_INFORMATION_REQUEST, now=now,
                  by_service=True)
    return request


def moved_to_channel_text(opened: OpenedRequest, settings: Settings) -> str:
    """The letter closing a request that is really a report of wrongdoing."""
    with force_locale(opened.language):
        return "\n\n".join([
            _("Your request %(reference)s of %(received)s describes possible wrongdoing rather "
              "than asking for information about our due diligence, so we have closed it as "
              "an information request.", reference=opened.request.reference,
              received=_letter_date(opened.request.received_at.date())),
            _("If you want the matter followed up, please report it through the "
              "whistleblowing channel on our website, where you can also report anonymously. "
              "We do not pass your request on as a report ourselves: a report is followed up "
              "with the person who makes it, and only you can decide to make one."),
            settings.organisation_name])


def move_request_to_channel(db: Session, keys: ServerKeys, settings: Settings,
                            opened: OpenedRequest, user: User, *,
                            factory: sessionmaker[Session],
                            now: datetime | None = None) -> None:
    """Close a request that is really a whistleblowing report, with a letter telling the
    requester to use the report form. No case is made from it: a report must come from the
    reporter (who then holds its case code), and the requester has none."""
    now = now or utcnow()
    _require_open(opened.request)
    opened.request.status = RequestStatus.MOVED_TO_CHANNEL
    opened.request.closed_at = now
    _record_letter(db, settings, opened, LetterKind.MOVED_TO_CHANNEL,
                   moved_to_channel_text(opened, settings), now, factory)
    _audit(db, keys, user, InformationAction.MOVED_TO_CHANNEL, opened.request, now)
