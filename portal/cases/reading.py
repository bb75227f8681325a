"""Decrypted views of a case for one audience (style §14): a reporter sees what the case key
opens and no internal items; a handler also sees what the staff key opens. Each item is opened
with the key of the generation it records (portal.cases.keyring).

An item that fails authentication is shown as damaged rather than failing the whole page:
one altered row must not hide the rest of the case from its handler or its reporter.

Messages are also checked as a sequence: each one's seal binds its number and the number of
the message before it under the same key, so a message taken out, moved or relabelled marks
itself or the next one as damaged, for the reporter as for the handler. A handler, who loads
every message, also sees a gap in the numbers (an internal note taken out).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crypto import InvalidCiphertext
from portal.cases.attachments import attachment_meta
from portal.cases.keyring import Keyring
from portal.cases.sealing import ANSWERS, open_json, sealed_size
from portal.cases.tombstones import open_message_or_tombstone, removed_on
from portal.filenames import safe_filename
from portal.models import Attachment, Case, Message
from portal.states import AttachmentVariant, AuthorKind, KeyKind, MessageKind


@dataclass
class AttachmentView:
    id: str
    variant: AttachmentVariant
    size: int
    name: str | None
    media_type: str | None
    removed: list[str]
    damaged: bool = False
    position: int = 0  # sealed order within its batch (the clear time is only the day)
    # The day it was removed as irrelevant (a sealed tombstone, portal.cases.tombstones).
    removed_on: date | None = None


@dataclass
class MessageView:
    id: str
    seq: int
    author_kind: AuthorKind
    author_id: str | None
    kind: MessageKind
    internal: bool
    created_at: datetime
    body: str | None
    attachments: list[AttachmentView] = field(default_factory=list)
    # The day it was removed as irrelevant (a sealed tombstone, portal.cases.tombstones).
    removed_on: date | None = None

    @property
    def damaged(self) -> bool:
        return self.body is None


@dataclass
class CaseView:
    case: Case
    answers: dict[str, Any] | None
    messages: list[MessageView]
    attachments: list[AttachmentView]

    @property
    def answers_damaged(self) -> bool:
        return self.answers is None

    @property
    def received_at(self) -> datetime:
        """The exact time of receipt, sealed in the answers (the clear column has the day)."""
        return sealed_received_at(self.case, self.answers)

    @property
    def language(self) -> str | None:
        """The reporter's language, sealed in the answers; None if they are damaged."""
        return answers_language(self.answers)


def sealed_received_at(case: Case, answers: dict[str, Any] | None) -> datetime:
    try:
        return datetime.fromisoformat(str((answers or {})["received_at"]))
    except (KeyError, ValueError):
        return case.created_at


def answers_language(answers: dict[str, Any] | None) -> str | None:
    language = (answers or {}).get("language")
    return language if isinstance(language, str) else None


def reporter_language(case: Case, keys: Keyring) -> str | None:
    """The language the report was made in, from the sealed answers (None if damaged, or
    if `keys` lack the case key of generation 0 they are sealed under)."""
    answers = _open_answers(case, keys)
    return answers_language(answers if isinstance(answers, dict) else None)


def _attachment_view(keys: Keyring, attachment: Attachment) -> AttachmentView:
    key = keys.key(attachment.key_kind, attachment.key_generation)
    try:
        if key is None:
            raise InvalidCiphertext()
        meta = attachment_meta(key, attachment)
    except InvalidCiphertext:
        return AttachmentView(attachment.id, attachment.variant, attachment.size, None, None,
                              [], damaged=True)
    removed = meta.get("removed")
    position = meta.get("position")
    gone = removed_on(meta)
    if gone is not None:
        return AttachmentView(attachment.id, attachment.variant, 0, None, None, [],
                              position=position if isinstance(position, int) else 0,
                              removed_on=gone)
    return AttachmentView(
        id=attachment.id,
        variant=attachment.variant,
        size=sealed_size(meta, attachment),
        # Cleaned on upload, and here too for names stored before that (U+202E, CR, LF).
        name=safe_filename(str(meta.get("name") or "")),
        media_type=str(meta.get("type") or "application/octet-stream"),
        removed=[str(item) for item in removed] if isinstance(removed, list) else [],
        position=position if isinstance(position, int) else 0,
    )


def _open_in_sequence(messages: Sequence[Message], keys: Keyring, *,
                      every_message: bool,
                      ) -> list[tuple[Message, str | None, datetime, date | None]]:
    """Each message (in `seq` order) with its body and exact time; the body is None when it is
    damaged: its seal does not open with its columns and the number of the message before it
    under the same key, or (when `every_message` of the case is loaded) its number does not
    follow the previous one, or this reader holds no key of its generation. A damaged message
    keeps its clear time (the day, for a reporter's). The last item is the day a removed
    message was removed (its body is then empty), else None.
    """
    last_seq_of_key: dict[str, int] = {}
    previous_seq = 0
    opened: list[tuple[Message, str | None, datetime, date | None]] = []
    for message in messages:
        prev_seq = last_seq_of_key.get(message.key_kind, 0)
        body: str | None = None
        sent_at = message.created_at
        gone: date | None = None
        key = keys.key(message.key_kind, message.key_generation)
        if key is not None:
            with suppress(InvalidCiphertext):
                body, sent_at, gone = open_message_or_tombstone(key, message, prev_seq=prev_seq)
        if every_message and message.seq != previous_seq + 1:
            body, sent_at, gone = None, message.created_at, None
        opened.append((message, body, sent_at, gone))
        last_seq_of_key[message.key_kind] = message.seq
        previous_seq = message.seq
    return opened


def _open_answers(case: Case, keys: Keyring) -> dict[str, Any] | None:
    # The answers are sealed once, at submission: under the case key of generation 0.
    key = keys.key(KeyKind.CASE, 0)
    if key is None:
        return None
    try:
        answers: dict[str, Any] = open_json(key, case_id=case.id, item_id=case.id,
                                            kind=ANSWERS, blob=case.sealed_answers)
    except InvalidCiphertext:
        return None
    return answers


def open_case_view(db: Session, case: Case, keys: Keyring) -> CaseView:
    """Decrypt what these keys open. Without the staff key, staff-only items are not even
    loaded, so a reporter's page can never show them by mistake."""
    kinds = [kind for kind in KeyKind if keys.holds(kind)]
    answers = _open_answers(case, keys)
    messages = db.scalars(
        select(Message).where(Message.case_id == case.id, Message.key_kind.in_(kinds))
        .order_by(Message.seq, Message.id)
    ).all()
    attachments = db.scalars(
        select(Attachment).where(Attachment.case_id == case.id, Attachment.key_kind.in_(kinds))
        .order_by(Attachment.created_at, Attachment.id)
    ).all()
    if not keys.holds(KeyKind.STAFF):
        # The reporter sees the cleaned copies only.
        attachments = [item for item in attachments if item.variant == AttachmentVariant.CLEAN]
    by_message: dict[str | None, list[AttachmentView]] = {}
    for attachment in attachments:
        by_message.setdefault(attachment.message_id, []).append(
            _attachment_view(keys, attachment)
        )
    for batch in by_message.values():
        batch.sort(key=lambda view: view.position)  # stable: damaged ones keep the row order
    views = [
        MessageView(
            id=message.id, seq=message.seq, author_kind=message.author_kind,
            author_id=message.author_id, kind=message.kind,
            internal=message.key_kind == KeyKind.STAFF, created_at=sent_at,
            body=body, attachments=by_message.get(message.id, []), removed_on=gone,
        )
        for message, body, sent_at, gone in _open_in_sequence(
            messages, keys, every_message=keys.holds(KeyKind.STAFF))
    ]
    return CaseView(case=case, answers=answers, messages=views,
                    attachments=by_message.get(None, []))


def is_intact_for_reporter(db: Session, case: Case, keys: Keyring, message_id: str) -> bool:
    """True if the message opens, in its place, with the case keys alone: what the reporter
    answers (minutes to confirm) must be what they were shown, not a relabelled row."""
    messages = db.scalars(
        select(Message).where(Message.case_id == case.id, Message.key_kind == KeyKind.CASE)
        .order_by(Message.seq, Message.id)
    ).all()
    return any(message.id == message_id and body is not None and gone is None
               for message, body, _at, gone in
               _open_in_sequence(messages, keys.case_only(), every_message=False))
