"""Email notices to staff (optional; `smtp_url`): *that* something happened, never *what*.

A notice carries no content, no category, no case id and no reporter detail, only a pointer
to the case list, because mail crosses servers we do not control. Services collect the
recipients inside the transaction (`case_notice`) and queue the mail (`queue_notice`); it is
sent only after the commit (portal.db.after_commit), so nobody is told about a change that was
rolled back. Mails that must not be lost (reminders) or that are held back go through the
outbox table (`PendingNotice`): the row is committed first, sent later, and deleted only once
sent, so a crash in between loses nothing (at worst a content-free mail goes out twice).
Sending never raises: a mail server that is down must not break a report or a reply, and the
log says only "notification failed" (no address, no case).

The link is the path of the case list on purpose, not a URL built from the request: a
reporter controls the Host header of their request and could otherwise put a link of their
choosing into the handlers' mail.
"""

from __future__ import annotations

import logging
import secrets
import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from functools import partial
from urllib.parse import unquote, urlsplit

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from config import Settings
from portal.db import after_commit
from portal.models import Case, CaseKeyWrap, PendingNotice, User
from portal.paths import STAFF_PREFIX
from portal.states import KeyKind, RecipientKind

NEW_CASE = "new_case"
NEW_MESSAGE = "new_message"
ACKNOWLEDGEMENT_DUE = "acknowledgement_due"
# Feedback (Art. 9(1)(f)) is due soon on an acknowledged case with no feedback (issue 11 §1).
FEEDBACK_DUE = "feedback_due"
# A meeting the reporter asked for (Art. 9(2)) is due soon and not yet held (issue 11 §1).
MEETING_DUE = "meeting_due"
ESCALATION = "escalation"
# To the account holder: an admin reset their password, so an admin could now act as them
# (and receive the cases sent to them). They must hear of it, to object if it was not them.
ACCOUNT_RESET = "account_reset"
# To the administrators: a sign-in found the stored public key is not the account's own (it
# was replaced in the database). Who and when is in the audit log, not in the mail.
KEY_MISMATCH = "key_mismatch"
# To a person left out of a case (or taken back in) and to the group-level handlers: access
# to a case changed, so it never happens unnoticed (security finding 14). Which case is not said.
ACCESS_CHANGED = "access_changed"
# To the compliance officers: an information request (Transparency Act §6) came in, or one is
# due soon. Which request, and what it asks, is not said.
INFORMATION_REQUEST = "information_request"
INFORMATION_REQUEST_DUE = "information_request_due"
# A legal hold reaches its review date soon: renew it or it lapses (issue 11 §5).
LEGAL_HOLD_REVIEW = "legal_hold_review"
# The person concerned by a case is due to be informed, or a deferral to be reviewed (GDPR
# Art. 14; issue 11 §4; portal.cases.concerned_person).
CONCERNED_PERSON_DUE = "concerned_person_due"
# The Transparency Act account of last year is due on 30 June and not yet published (issue 13).
ANNUAL_ACCOUNT_DUE = "annual_account_due"
KINDS = (NEW_CASE, NEW_MESSAGE, ACKNOWLEDGEMENT_DUE, FEEDBACK_DUE, ESCALATION, ACCOUNT_RESET,
         KEY_MISMATCH, ACCESS_CHANGED, MEETING_DUE, INFORMATION_REQUEST,
         INFORMATION_REQUEST_DUE, LEGAL_HOLD_REVIEW, CONCERNED_PERSON_DUE, ANNUAL_ACCOUNT_DUE)
CASE_LIST_PATH = f"{STAFF_PREFIX}/cases"
INFORMATION_REQUESTS_PATH = f"{STAFF_PREFIX}/information-requests"
ANNUAL_ACCOUNTS_PATH = f"{STAFF_PREFIX}/annual-accounts"
SMTP_TIMEOUT_SECONDS = 10
# Remind handlers this long before the acknowledgement deadline (issue 5 §8).
REMINDER_WINDOW = timedelta(days=2)
# And this long before the feedback deadline: feedback takes longer to prepare (issue 11 §1).
FEEDBACK_REMINDER_WINDOW = timedelta(days=14)
# And this long before a requested meeting is due: time enough to agree on a time and place.
MEETING_REMINDER_WINDOW = timedelta(days=3)

_log = logging.getLogger("aktsom.notifications")


@dataclass(frozen=True)
class Notice:
    """One kind of news for a set of staff addresses."""

    kind: str
    recipients: tuple[str, ...]


def case_holder_addresses(db: Session, case_id: str) -> list[str]:
    """Addresses of the enabled users who hold the case key of `case_id`."""
    query = (select(User.email).join(CaseKeyWrap, CaseKeyWrap.recipient_id == User.id)
             .where(CaseKeyWrap.case_id == case_id, CaseKeyWrap.key_kind == KeyKind.CASE,
                    CaseKeyWrap.recipient_kind == RecipientKind.USER, User.disabled.is_(False))
             .order_by(User.email).distinct())
    return list(db.scalars(query))


def case_notice(db: Session, case_id: str, kind: str, *,
                except_user_id: str | None = None) -> Notice:
    """Collect, inside the transaction, who is to hear about `kind` on `case_id`."""
    if kind not in KINDS:
        raise ValueError("unknown notice kind")
    addresses = case_holder_addresses(db, case_id)
    if except_user_id is not None:
        own = db.scalar(select(User.email).where(User.id == except_user_id))
        addresses = [address for address in addresses if address != own]
    return Notice(kind=kind, recipients=tuple(addresses))


def _subject(kind: str) -> str:
    if kind == ACCESS_CHANGED:
        return str(_("Access to a case in the whistleblowing channel has changed"))
    if kind == ACKNOWLEDGEMENT_DUE:
        return str(_("A case is due for acknowledgement soon"))
    if kind == FEEDBACK_DUE:
        return str(_("A case is due for feedback to the reporter soon"))
    if kind == MEETING_DUE:
        return str(_("A meeting the reporter asked for is due soon"))
    if kind == ESCALATION:
        return str(_("A case has been put before you"))
    if kind == LEGAL_HOLD_REVIEW:
        return str(_("A legal hold on a case is due for review soon"))
    if kind == CONCERNED_PERSON_DUE:
        return str(_("A decision on informing a person concerned by a case is due"))
    if kind == ACCOUNT_RESET:
        return str(_("Your password for the whistleblowing channel was reset"))
    if kind == KEY_MISMATCH:
        return str(_("A staff key in the whistleblowing channel was replaced"))
    if kind == INFORMATION_REQUEST:
        return str(_("An information request has come in"))
    if kind == INFORMATION_REQUEST_DUE:
        return str(_("An information request is due for an answer soon"))
    if kind == ANNUAL_ACCOUNT_DUE:
        return str(_("The Transparency Act account is due by 30 June"))
    return str(_("There is news in the whistleblowing channel"))


def compose(settings: Settings, kind: str, recipient: str) -> EmailMessage:
    """The mail for one recipient, in the organisation's default language."""
    with force_locale(settings.default_language):
        subject = _subject(kind)
        if kind == ACCOUNT_RESET:
            body = str(_(
                "An administrator has set a new password for your account in "
                "%(organisation)s's whistleblowing channel.\n\n"
                "If you did not ask for this, tell your compliance officer or another "
                "administrator at once: whoever knows the new password can act as you.",
                organisation=settings.organisation_name))
        elif kind == KEY_MISMATCH:
            body = str(_(
                "A sign-in to %(organisation)s's whistleblowing channel was refused because "
                "the public key stored for the account is not the account's own key: someone "
                "with access to the database may have replaced it.\n\n"
                "Open the audit log on the staff side to see which account, and check the "
                "database and its backups.",
                organisation=settings.organisation_name))
        elif kind in (INFORMATION_REQUEST, INFORMATION_REQUEST_DUE):
            body = str(_(
                "An information request under the Transparency Act is waiting in "
                "%(organisation)s's channel. The law sets a deadline for the answer.\n\n"
                "Sign in to the staff side and open the information requests: %(path)s\n\n"
                "This message leaves out any detail on purpose.",
                organisation=settings.organisation_name, path=INFORMATION_REQUESTS_PATH))
        elif kind == ANNUAL_ACCOUNT_DUE:
            body = str(_(
                "The Transparency Act account of %(organisation)s for last year must be "
                "published by 30 June and is not yet.\n\n"
                "Sign in to the staff side and open the annual accounts: %(path)s\n\n"
                "This message leaves out any detail on purpose.",
                organisation=settings.organisation_name, path=ANNUAL_ACCOUNTS_PATH))
        else:
            body = str(_(
                "Something new is waiting for you in %(organisation)s's whistleblowing "
                "channel.\n\nSign in to the staff side and open the case list: %(path)s\n\n"
                "This message leaves out any detail on purpose.",
                organisation=settings.organisation_name, path=CASE_LIST_PATH))
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.mail_from.rpartition("@")[2] or None)
    # RFC 3834: no out-of-office replies back to the channel.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    return message


def _connect(smtp_url: str) -> smtplib.SMTP:
    """smtp://host:port (plain, e.g. a local relay), smtp+starttls://..., smtps://...;
    user:password@ in the URL signs in."""
    parts = urlsplit(smtp_url)
    if parts.scheme not in ("smtp", "smtp+starttls", "smtps") or not parts.hostname:
        raise ValueError("unsupported smtp_url")
    if parts.username and parts.scheme == "smtp":
        raise ValueError("smtp_url: a password is only sent over TLS")
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if parts.scheme == "smtps":
        smtp = smtplib.SMTP_SSL(parts.hostname, parts.port or 465, timeout=SMTP_TIMEOUT_SECONDS,
                                context=context)
    else:
        smtp = smtplib.SMTP(parts.hostname, parts.port or 25, timeout=SMTP_TIMEOUT_SECONDS)
        if parts.scheme == "smtp+starttls":
            smtp.starttls(context=context)
    if parts.username:
        smtp.login(unquote(parts.username), unquote(parts.password or ""))
    return smtp


def send_notice(settings: Settings, notice: Notice) -> int:
    """Send `notice` after the commit; returns how many mails went out. Never raises."""
    if not settings.smtp_url or not notice.recipients:
        return 0
    sent = 0
    try:
        with _connect(settings.smtp_url) as smtp:
            for recipient in notice.recipients:
                try:
                    smtp.send_message(compose(settings, notice.kind, recipient))
                    sent += 1
                except smtplib.SMTPRecipientsRefused:
                    _log.warning("notification failed")
    except Exception:  # noqa: BLE001 (mail is best effort; the request must go on)
        _log.warning("notification failed")
    return sent


def send_message(settings: Settings, message: EmailMessage) -> bool:
    """Send one composed mail (a letter to the public, e.g. an information request's answer);
    True if the mail server took it. Never raises, and logs no address."""
    if not settings.smtp_url:
        return False
    try:
        with _connect(settings.smtp_url) as smtp:
            smtp.send_message(message)
    except Exception:  # noqa: BLE001 (recorded as not sent; sent again from the register)
        _log.warning("mail failed")
        return False
    return True


@dataclass(frozen=True)
class Reminders:
    """Cases whose acknowledgement (or feedback, by `notice.kind`) is due soon (or overdue)
    and not yet reminded of."""

    case_ids: list[str]
    notice: Notice


def acknowledgement_reminders(db: Session, *, now: datetime,
                              within: timedelta = REMINDER_WINDOW) -> Reminders:
    """Who is to be reminded: one mail per handler, however many of their cases are due."""
    case_ids = list(db.scalars(select(Case.id).where(
        Case.acknowledged_at.is_(None), Case.closed_at.is_(None),
        Case.acknowledgement_reminded_at.is_(None),
        Case.acknowledgement_due_at <= now + within).order_by(Case.acknowledgement_due_at)))
    return Reminders(case_ids, Notice(ACKNOWLEDGEMENT_DUE, _handlers_of(db, case_ids)))


def feedback_reminders(db: Session, *, now: datetime,
                       within: timedelta = FEEDBACK_REMINDER_WINDOW) -> Reminders:
    """Acknowledged open cases whose feedback is due soon (or overdue), reminded of once."""
    case_ids = list(db.scalars(select(Case.id).where(
        Case.acknowledged_at.is_not(None), Case.feedback_at.is_(None),
        Case.closed_at.is_(None), Case.feedback_reminded_at.is_(None),
        Case.feedback_due_at <= now + within).order_by(Case.feedback_due_at)))
    return Reminders(case_ids, Notice(FEEDBACK_DUE, _handlers_of(db, case_ids)))


def meeting_reminders(db: Session, *, now: datetime,
                      within: timedelta = MEETING_REMINDER_WINDOW) -> Reminders:
    """Open cases whose requested meeting is due soon (or overdue) and not yet held, reminded
    of once per request."""
    case_ids = list(db.scalars(select(Case.id).where(
        Case.meeting_due_at.is_not(None), Case.meeting_held_at.is_(None),
        Case.closed_at.is_(None), Case.meeting_reminded_at.is_(None),
        Case.meeting_due_at <= now + within).order_by(Case.meeting_due_at)))
    return Reminders(case_ids, Notice(MEETING_DUE, _handlers_of(db, case_ids)))
def handlers_of(db: Session, case_ids: list[str]) -> tuple[str, ...]:
    """The active handlers holding any of `case_ids` (for reminders of other modules)."""
    return _handlers_of(db, case_ids)


def _handlers_of(db: Session, case_ids: list[str]) -> tuple[str, ...]:
    addresses: set[str] = set()
    for start in range(0, len(case_ids), 500):
        addresses.update(db.scalars(
            select(User.email).join(CaseKeyWrap, CaseKeyWrap.recipient_id == User.id)
            .where(CaseKeyWrap.case_id.in_(case_ids[start:start + 500]),
                   CaseKeyWrap.key_kind == KeyKind.CASE,
                   CaseKeyWrap.recipient_kind == RecipientKind.USER,
                   User.disabled.is_(False))))
    return tuple(sorted(addresses))


def mark_reminded(db: Session, case_ids: list[str], now: datetime, *,
                  kind: str = ACKNOWLEDGEMENT_DUE) -> None:
    """Remember the reminder of `kind`, so each case is reminded of once."""
    column = {FEEDBACK_DUE: "feedback_reminded_at",
              MEETING_DUE: "meeting_reminded_at"}.get(kind, "acknowledgement_reminded_at")
    for start in range(0, len(case_ids), 500):
        db.execute(update(Case).where(Case.id.in_(case_ids[start:start + 500]))
                   .values({column: now})
                   .execution_options(synchronize_session=False))


def hold_back(db: Session, settings: Settings, notice: Notice,
              now: datetime | None = None) -> Notice:
    """Put `notice` into the outbox for `aktsom notify` when a delay is configured; return
    what is left to send at once (nothing, when held back). Call inside the transaction."""
    delay = settings.notification_delay_minutes
    if delay <= 0 or not settings.smtp_url or not notice.recipients:
        return notice
    now = now or datetime.now(tz=UTC)
    for recipient in notice.recipients:
        # A random extra part, so even the delay itself does not date the report.
        jitter = timedelta(seconds=secrets.randbelow(delay * 60 + 1))
        db.add(PendingNotice(kind=notice.kind, recipient=recipient,
                             not_before=now + timedelta(minutes=delay) + jitter))
    return Notice(kind=notice.kind, recipients=())


def queue_notice(db: Session, settings: Settings, notice: Notice, *, hold: bool = False) -> None:
    """Send `notice` once the transaction has committed, never for a change rolled back.

    `hold` is for news a reporter caused: with a delay configured it goes to the outbox
    instead (`hold_back`), so the time of the mail does not date the reporter's action.
    """
    if hold:
        notice = hold_back(db, settings, notice)
    if settings.smtp_url and notice.recipients:
        after_commit(db, partial(send_notice, settings, notice))


def queue_outbox(db: Session, notice: Notice, now: datetime) -> int:
    """Put `notice` into the outbox, due at once, unless the same mail is already waiting
    there (a run that could not send it); returns the rows added. Committed before sending."""
    waiting = set(db.scalars(select(PendingNotice.recipient).where(
        PendingNotice.kind == notice.kind, PendingNotice.recipient.in_(notice.recipients))))
    added = 0
    for recipient in notice.recipients:
        if recipient not in waiting:
            db.add(PendingNotice(kind=notice.kind, recipient=recipient, not_before=now))
            added += 1
    return added


def release_pending(db: Session, settings: Settings, now: datetime, *,
                    kind: str | None = None) -> int:
    """Send the outbox mails that are due (of `kind`, or all), one mail per recipient and
    kind; returns mails sent.

    Rows are committed before this runs and deleted only once their mail went out, so a mail
    server that is down only postpones them to the next run.
    """
    query = select(PendingNotice).where(PendingNotice.not_before <= now)
    if kind is not None:
        query = query.where(PendingNotice.kind == kind)
    due = db.scalars(query).all()
    sent = 0
    for recipient, notice_kind in sorted({(row.recipient, _mail_kind(row.kind)) for row in due}):
        if send_notice(settings, Notice(notice_kind, (recipient,))):
            sent += 1
            kinds = _NEWS if notice_kind == NEW_MESSAGE else (notice_kind,)
            db.execute(delete(PendingNotice).where(
                PendingNotice.recipient == recipient, PendingNotice.kind.in_(kinds),
                PendingNotice.not_before <= now))
    return sent


# New cases and new messages read the same ("there is news"): one mail for all of them, so
# the number of mails says nothing either.
_NEWS = (NEW_CASE, NEW_MESSAGE)


def _mail_kind(kind: str) -> str:
    return NEW_MESSAGE if kind in _NEWS else kind
