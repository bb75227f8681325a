"""Removing a manifestly irrelevant message or file from a case (issue 11 §8; Directive
Art. 17, GDPR Art. 5(1)(c) data minimisation).

The item is destroyed, not hidden: a message's sealed body is overwritten by a sealed
tombstone (portal.cases.tombstones) that holds no text, only the day of removal; a file's
stored bytes are deleted after the commit and its sealed metadata (name, type, size) is
overwritten by a tombstone. The tombstone is sealed under the item's own key and generation
and bound to its row, so the reporter and the handlers read "removed as irrelevant on <date>"
in its place and the messages after it still open in sequence. SQLite's write-ahead log is
checkpointed after the commit (`secure_delete` keeps freed pages zeroed); backups taken before
keep the old ciphertext until they expire (docs/legal.md).

One handler of the case removes an item, with a reason from a fixed list, an optional sealed
note and an explicit confirmation; no second person's approval (docs/legal.md says why). The
audit chain records who, when and which item, never content. Legal records stay: the
acknowledgement, the feedback message and minutes cannot be removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crypto import InvalidCiphertext
from portal.audit import record_event
from portal.cases.attachments import attachment_meta
from portal.cases.handling import HandlerCase
from portal.cases.sealing import ATTACHMENT_META, open_message, open_text, seal_json, seal_text
from portal.cases.tombstones import (
    attachment_tombstone_meta,
    removed_on,
    seal_message_tombstone,
)
from portal.db import after_commit, checkpoint_wal, new_id, utcnow
from portal.models import Attachment, AuditEvent, CaseRedaction, Message, User
from portal.refusals import N_, Refusal
from portal.serverkeys import ServerKeys
from portal.states import (
    REDACTION_REASON_LABELS,
    ActorKind,
    AttachmentVariant,
    AuditAction,
    KeyKind,
    MessageKind,
    RedactedItem,
    RedactionReason,
    RelevanceAction,
)
from portal.storage import FileStore

REDACTION_NOTE = "redaction-note"
MAX_NOTE = 2_000
# The acknowledgement and the minutes (with the reporter's confirmation or correction) are the
# record of legal duties (Art. 9(1)(b), Art. 18); they are corrected, never removed.
_KEPT_KINDS = frozenset({MessageKind.ACKNOWLEDGEMENT, MessageKind.MINUTES,
                         MessageKind.MINUTES_CONFIRMATION, MessageKind.MINUTES_CORRECTION})

NOT_FOUND = N_("This item is not part of the case.")
ALREADY_REMOVED = N_("This item has already been removed.")
KEPT_RECORD = N_("The acknowledgement, the feedback message and minutes are the record of "
                 "legal duties and cannot be removed. Nothing was changed.")
NO_REASON = N_("Choose why the item is removed. Nothing was changed.")
NO_KEY = N_("This item cannot be opened with your keys, so it cannot be replaced. Nothing "
            "was changed.")


@dataclass(frozen=True)
class RedactionRecord:
    """What the handler page shows beside a removed item (never its former content)."""

    reason: RedactionReason
    redacted_by: str | None
    redacted_at: datetime
    note: str | None  # None: no note, or it failed its check


def _reason(reason: str | None) -> RedactionReason:
    if not reason or reason not in set(RedactionReason):
        raise Refusal(NO_REASON)
    return RedactionReason(reason)


def _record(db: Session, keys: ServerKeys, opened: HandlerCase, user: User, *,
            item_kind: RedactedItem, item_id: str, reason: RedactionReason, note: str,
            now: datetime) -> CaseRedaction:
    record_id = new_id()
    note = note.strip()[:MAX_NOTE]
    record = CaseRedaction(
        id=record_id, case_id=opened.case.id, item_kind=item_kind, item_id=item_id,
        reason=reason, redacted_by=user.id, redacted_at=now, key_generation=opened.keys.generation,
        sealed_note=seal_text(opened.staff_key, case_id=opened.case.id, item_id=record_id,
                              kind=REDACTION_NOTE, text=note) if note else None,
    )
    db.add(record)
    record_event(db, keys.audit, action=RelevanceAction.CASE_ITEM_REDACTED,
                 actor_kind=ActorKind.USER, actor_id=user.id, case_id=opened.case.id,
                 target_id=item_id, at=now)
    # The old ciphertext must not linger in SQLite's log (PostgreSQL: docs/crypto.md, VACUUM).
    after_commit(db, partial(checkpoint_wal, db.get_bind().engine))
    return record


def _is_feedback(db: Session, message: Message) -> bool:
    """Whether `message` is the one the feedback clock stopped on (the audit chain names it)."""
    return db.scalar(select(AuditEvent.seq).where(
        AuditEvent.case_id == message.case_id, AuditEvent.target_id == message.id,
        AuditEvent.action == AuditAction.CASE_FEEDBACK_GIVEN.value).limit(1)) is not None


def feedback_message_ids(db: Session, case_id: str) -> set[str]:
    """The ids of the case's feedback messages, which stay (the page offers no removal)."""
    return {str(target) for target in db.scalars(select(AuditEvent.target_id).where(
        AuditEvent.case_id == case_id,
        AuditEvent.action == AuditAction.CASE_FEEDBACK_GIVEN.value)) if target}


def _prev_seq(db: Session, message: Message) -> int:
    """The number of the message before `message` under the same key (0 for the first): what
    its seal binds."""
    return int(db.scalar(select(func.max(Message.seq)).where(
        Message.case_id == message.case_id, Message.key_kind == message.key_kind,
        Message.seq < message.seq)) or 0)


def redact_message(db: Session, keys: ServerKeys, *, opened: HandlerCase, user: User,
                   message_id: str, reason: str | None, note: str = "",
                   now: datetime | None = None) -> CaseRedaction:
    """Replace a message's sealed body by a tombstone; its files stay (each is removed on its
    own). Refused for legal records (`_KEPT_KINDS`, the feedback message) and items already
    removed. Never commits."""
    chosen = _reason(reason)
    message = db.scalar(select(Message).where(Message.id == message_id,
                                              Message.case_id == opened.case.id))
    if message is None:
        raise Refusal(NOT_FOUND)
    if message.kind in _KEPT_KINDS or _is_feedback(db, message):
        raise Refusal(KEPT_RECORD)
    key = opened.keys.key(message.key_kind, message.key_generation)
    if key is None:
        raise Refusal(NO_KEY)
    if db.scalar(select(CaseRedaction.id).where(CaseRedaction.item_id == message.id)):
        raise Refusal(ALREADY_REMOVED)
    now = now or utcnow()
    prev_seq = _prev_seq(db, message)
    try:
        _text, sent_at = open_message(key, message, prev_seq=prev_seq)
    except InvalidCiphertext:
        sent_at = message.created_at  # a damaged body goes all the same
    message.sealed_body = seal_message_tombstone(key, message, prev_seq=prev_seq,
                                                 sent_at=sent_at, on=now.date())
    return _record(db, keys, opened, user, item_kind=RedactedItem.MESSAGE, item_id=message.id,
                   reason=chosen, note=note, now=now)


def _meta_or_none(key: bytes | None, attachment: Attachment) -> dict[str, object] | None:
    if key is None:
        return None
    try:
        return attachment_meta(key, attachment)
    except InvalidCiphertext:
        return None


def _originals_of(db: Session, opened: HandlerCase, clean: Attachment,
                  name: object) -> list[Attachment]:
    """The originals kept beside a cleaned copy (same message, same sealed name): removing
    the copy the reporter sees must not leave the uncleaned original behind."""
    if name is None:
        return []
    same_message = (Attachment.message_id.is_(None) if clean.message_id is None
                    else Attachment.message_id == clean.message_id)
    found = []
    for item in db.scalars(select(Attachment).where(
            Attachment.case_id == opened.case.id, same_message,
            Attachment.variant == AttachmentVariant.ORIGINAL)):
        meta = _meta_or_none(opened.keys.key(item.key_kind, item.key_generation), item)
        if meta is not None and removed_on(meta) is None and meta.get("name") == name:
            found.append(item)
    return found


def _bury(db: Session, store: FileStore, opened: HandlerCase, item: Attachment, key: bytes,
          position: object, now: datetime) -> None:
    """Overwrite the file's sealed metadata with a tombstone and delete its bytes after the
    commit. The row gets a fresh stored name no file has, so should the deletion fail, the
    old file is one no row refers to and `FileStore.sweep` removes it."""
    old_name = item.stored_name
    item.stored_name = store.new_name()
    item.size = 0
    item.sealed_meta = seal_json(key, case_id=opened.case.id, item_id=item.id,
                                 kind=ATTACHMENT_META,
                                 value=attachment_tombstone_meta(
                                     now.date(), position if isinstance(position, int) else 0))
    after_commit(db, partial(store.delete, old_name))


def redact_attachment(db: Session, keys: ServerKeys, store: FileStore, *, opened: HandlerCase,
                      user: User, attachment_id: str, reason: str | None, note: str = "",
                      now: datetime | None = None) -> list[CaseRedaction]:
    """Destroy a file of the case (and, for a cleaned copy, the original kept beside it):
    its bytes are deleted after the commit and its metadata becomes a tombstone. Never
    commits."""
    chosen = _reason(reason)
    item = db.scalar(select(Attachment).where(Attachment.id == attachment_id,
                                              Attachment.case_id == opened.case.id))
    if item is None:
        raise Refusal(NOT_FOUND)
    key = opened.keys.key(item.key_kind, item.key_generation)
    if key is None:
        raise Refusal(NO_KEY)
    if db.scalar(select(CaseRedaction.id).where(CaseRedaction.item_id == item.id)):
        raise Refusal(ALREADY_REMOVED)
    now = now or utcnow()
    meta = _meta_or_none(key, item) or {}
    targets = [(item, key, meta.get("position"))]
    if item.variant == AttachmentVariant.CLEAN and item.key_kind == KeyKind.CASE:
        for original in _originals_of(db, opened, item, meta.get("name")):
            original_key = opened.keys.key(original.key_kind, original.key_generation)
            original_meta = _meta_or_none(original_key, original) or {}
            if original_key is not None:
                targets.append((original, original_key, original_meta.get("position")))
    records = []
    for target, target_key, position in targets:
        _bury(db, store, opened, target, target_key, position, now)
        records.append(_record(db, keys, opened, user, item_kind=RedactedItem.ATTACHMENT,
                               item_id=target.id, reason=chosen, note=note, now=now))
    db.flush()
    return records


def redaction_records(db: Session, opened: HandlerCase) -> dict[str, RedactionRecord]:
    """The removals of the case by item id, with their notes opened, for its handlers."""
    records = {}
    for row in db.scalars(select(CaseRedaction).where(CaseRedaction.case_id == opened.case.id)):
        note = None
        key = opened.keys.key(KeyKind.STAFF, row.key_generation)
        if row.sealed_note is not None and key is not None:
            try:
                note = open_text(key, case_id=row.case_id, item_id=row.id, kind=REDACTION_NOTE,
                                 blob=row.sealed_note)
            except InvalidCiphertext:
                note = None
        records[row.item_id] = RedactionRecord(row.reason, row.redacted_by, row.redacted_at,
                                               note)
    return records


def reason_label(reason: RedactionReason) -> str:
    return str(REDACTION_REASON_LABELS[reason])
