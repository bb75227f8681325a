"""Reports received orally or in a meeting (Directive 2019/1937 Art. 9(2), 18).

The handler registers the case with accurate minutes; the case gets a code like any other,
which the handler hands to the reporter, who reads the minutes with it and confirms them or
asks for a correction. The minutes are sealed under the case key, so the reporter can read
them, as Art. 18(2) requires.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from config import Settings
from portal.audit import record_event
from portal.cases.clocks import meeting_due_after, meeting_pending, refresh_next_due
from portal.cases.dialogue import add_message
from portal.cases.keyring import Keyring
from portal.cases.submission import NewReport, submit_report
from portal.db import utcnow
from portal.deadlines import start_of_day
from portal.models import Case, Message, User
from portal.notifications import NEW_CASE, NEW_MESSAGE, case_notice, queue_notice
from portal.refusals import N_, Refusal
from portal.serverkeys import ServerKeys
from portal.states import ActorKind, AuditAction, AuthorKind, Channel, KeyKind, MessageKind
from portal.storage import FileStore

ORAL_CHANNELS = (Channel.ORAL, Channel.MEETING)


@dataclass(frozen=True)
class RegisteredCase:
    """The new case and its code, to be shown once to the handler and never stored."""

    case: Case
    code: str
    minutes: Message


def register_oral_report(db: Session, *, settings: Settings, server_keys: ServerKeys,
                         store: FileStore, user: User, report: NewReport, minutes: str,
                         now: datetime | None = None) -> RegisteredCase:
    """Make the case as a submission would (routing, wraps, recovery) and add the minutes."""
    if report.channel not in ORAL_CHANNELS:
        raise Refusal(N_("Choose how the report was received."))
    if not minutes.strip():
        raise Refusal(N_("Write the minutes of the conversation."))
    now = now or utcnow()
    submitted = submit_report(db, settings=settings, server_keys=server_keys, store=store,
                              report=report, uploads=[], now=now)
    case = submitted.case
    message = add_message(db, case=case, keys=submitted.keys, key_kind=KeyKind.CASE,
                          author_kind=AuthorKind.HANDLER, author_id=user.id, body=minutes,
                          kind=MessageKind.MINUTES, now=now)
    record_event(db, server_keys.audit, action=AuditAction.CASE_REGISTERED,
                 actor_kind=ActorKind.USER,
                 actor_id=user.id, case_id=case.id, target_id=message.id, at=now)
    # The registering handler knows already; a handler's act is not held back.
    queue_notice(db, settings, case_notice(db, case.id, NEW_CASE, except_user_id=user.id))
    return RegisteredCase(case=case, code=submitted.code, minutes=message)


def find_minutes(db: Session, case: Case, message_id: str) -> Message | None:
    """The minutes `message_id` of `case`, if it is minutes the reporter can read."""
    return db.scalar(select(Message).where(
        Message.id == message_id, Message.case_id == case.id, Message.kind == MessageKind.MINUTES,
        Message.key_kind == KeyKind.CASE))


def answer_minutes(db: Session, settings: Settings, server_keys: ServerKeys, *, case: Case,
                   keys: Keyring, minutes: Message, text: str, confirmed: bool,
                   now: datetime | None = None) -> Message:
    """The reporter's confirmation of, or request to correct, the minutes: a message of
    their own in the dialogue (their "signature" of Art. 18(4)), and an audit event."""
    now = now or utcnow()
    message = add_message(db, case=case, keys=keys.case_only(), key_kind=KeyKind.CASE,
                          author_kind=AuthorKind.REPORTER, body=text,
                          kind=MessageKind.MINUTES_CONFIRMATION if confirmed
                          else MessageKind.MINUTES_CORRECTION, now=now)
    case.last_reporter_activity_at = start_of_day(now)
    record_event(db, server_keys.audit,
                 action=AuditAction.CASE_MINUTES_CONFIRMED if confirmed
                 else AuditAction.CASE_MINUTES_CORRECTED,
                 actor_kind=ActorKind.REPORTER, case_id=case.id, target_id=minutes.id, at=now)
    queue_notice(db, settings, case_notice(db, case.id, NEW_MESSAGE), hold=True)
    return message


def request_meeting(db: Session, settings: Settings, server_keys: ServerKeys, *, case: Case,
                    now: datetime | None = None) -> None:
    """The reporter asks, with their case code, for a meeting (Art. 9(2)): the meeting clock
    starts (issue 11 §1). Refused while a request is still waiting or the case is closed."""
    if case.closed_at is not None:
        raise Refusal(N_("This case is closed. To ask for a meeting, make a new report."))
    if meeting_pending(case):
        raise Refusal(N_("You have already asked for a meeting. A case handler will propose a "
                         "time and place here."))
    now = now or utcnow()
    case.meeting_due_at = meeting_due_after(now, settings)
    case.meeting_held_at = None
    case.meeting_reminded_at = None
    refresh_next_due(case)
    case.last_reporter_activity_at = start_of_day(now)
    record_event(db, server_keys.audit, action=AuditAction.CASE_MEETING_REQUESTED,
                 actor_kind=ActorKind.REPORTER, case_id=case.id, at=start_of_day(now))
    queue_notice(db, settings, case_notice(db, case.id, NEW_MESSAGE), hold=True)


def record_meeting_minutes(db: Session, server_keys: ServerKeys, *, case: Case, keys: Keyring,
                           user: User, minutes: str, now: datetime | None = None) -> Message:
    """The minutes of the meeting the reporter asked for: sealed under the case key for the
    reporter to check, correct and confirm (Art. 18(3)); holding the meeting stops its clock."""
    if not meeting_pending(case):
        raise Refusal(N_("No meeting is waiting to be held in this case."))
    if not minutes.strip():
        raise Refusal(N_("Write the minutes of the conversation."))
    now = now or utcnow()
    message = add_message(db, case=case, keys=keys, key_kind=KeyKind.CASE,
                          author_kind=AuthorKind.HANDLER, author_id=user.id, body=minutes,
                          kind=MessageKind.MINUTES, now=now)
    case.meeting_held_at = now
    refresh_next_due(case)
    record_event(db, server_keys.audit, action=AuditAction.CASE_MEETING_HELD,
                 actor_kind=ActorKind.USER, actor_id=user.id, case_id=case.id,
                 target_id=message.id, at=now)
    return message
