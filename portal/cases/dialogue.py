"""The dialogue of a case: messages sealed in their place (`add_message`), and the reporter's
own message with its attachments. Services take a Session and never commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config import Settings
from portal.audit import record_event
from portal.cases.attachments import Upload, UploadNotice, store_uploads
from portal.cases.keyring import Keyring
from portal.cases.sealing import seal_message
from portal.db import new_id, utcnow
from portal.deadlines import start_of_day
from portal.models import Case, Message
from portal.notifications import NEW_MESSAGE, case_notice, queue_notice
from portal.serverkeys import ServerKeys
from portal.states import ActorKind, AuditAction, AuthorKind, KeyKind, MessageKind
from portal.storage import FileStore


def next_message_seq(db: Session, case_id: str, key_kind: KeyKind) -> tuple[int, int]:
    """The next number in the case's dialogue, and the number of the last message sealed
    under `key_kind` (0 if none): both are sealed into the new message.

    The case row is locked first (PostgreSQL; SQLite serialises writers anyway), so two
    messages written at once cannot take the same number and then read as tampered with.
    """
    db.execute(select(Case.id).where(Case.id == case_id).with_for_update())
    last: dict[str, int] = {kind: int(seq) for kind, seq in db.execute(
        select(Message.key_kind, func.max(Message.seq))
        .where(Message.case_id == case_id).group_by(Message.key_kind)
    )}
    return max(last.values(), default=0) + 1, last.get(key_kind, 0)


def add_message(
    db: Session,
    *,
    case: Case,
    keys: Keyring,
    key_kind: KeyKind,
    author_kind: AuthorKind,
    body: str,
    kind: MessageKind = MessageKind.MESSAGE,
    author_id: str | None = None,
    now: datetime | None = None,
) -> Message:
    """Seal one message of the case under the newest key of `key_kind` in `keys` (the case
    key, or the staff key for notes), bound to its author, kind, key generation, time and
    place in the dialogue (`sealing.message_context`).

    The exact time is sealed with the body; a reporter's message keeps only its day in clear
    (security finding 11), a handler's its exact time (the feedback clock needs it).
    """
    seq, prev_seq = next_message_seq(db, case.id, key_kind)
    now = now or utcnow()
    message = Message(
        id=new_id(),
        case_id=case.id,
        seq=seq,
        author_kind=author_kind,
        author_id=author_id,
        kind=kind,
        key_kind=key_kind,
        key_generation=keys.generation,
        created_at=start_of_day(now) if author_kind == AuthorKind.REPORTER else now,
    )
    message.sealed_body = seal_message(keys.newest(key_kind), message, prev_seq=prev_seq,
                                       text=body, sent_at=now)
    db.add(message)
    db.flush()
    return message


def add_reporter_message(
    db: Session,
    *,
    settings: Settings,
    server_keys: ServerKeys,
    store: FileStore,
    case: Case,
    keys: Keyring,
    body: str,
    uploads: list[Upload],
    keep_originals: bool = False,
) -> list[UploadNotice]:
    """The reporter's message with its attachments; the handlers hear of it after commit."""
    now = utcnow()
    # The reporter's side never seals under the staff key, whoever calls (the demo does).
    keys = keys.case_only()
    message = add_message(db, case=case, keys=keys, key_kind=KeyKind.CASE,
                          author_kind=AuthorKind.REPORTER, body=body, now=now)
    notices = store_uploads(db, store, settings, keys, uploads, message_id=message.id,
                            keep_originals=keep_originals,
                            now=now)
    case.last_reporter_activity_at = start_of_day(now)
    record_event(db, server_keys.audit, action=AuditAction.CASE_REPORTER_MESSAGE,
                 actor_kind=ActorKind.REPORTER, case_id=case.id)
    queue_notice(db, settings, case_notice(db, case.id, NEW_MESSAGE), hold=True)
    return notices
