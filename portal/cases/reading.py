"""Decrypted views of a case for one audience (style §14): a reporter sees what the case key
opens and no internal items; a handler also sees what the staff key opens. Each item is opened
with the key of the generation it records (portal.cases.keyring).

An item that fails authentication is shown as damaged rather than failing the whole page:
one altered row must not hide the rest of the case from its handler or its reporter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crypto import InvalidCiphertext
from portal.cases.attachments import attachment_meta
from portal.cases.keyring import Keyring
from portal.cases.sealing import ANSWERS, MESSAGE, open_json, open_text
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
    return AttachmentView(
        id=attachment.id,
        variant=attachment.variant,
        size=attachment.size,
        name=str(meta.get("name") or ""),
        media_type=str(meta.get("type") or "application/octet-stream"),
        removed=[str(item) for item in removed] if isinstance(removed, list) else [],
    )


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
        .order_by(Message.seq)
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
    views = []
    for message in messages:
        key = keys.key(message.key_kind, message.key_generation)
        try:
            body: str | None = None if key is None else open_text(
                key, case_id=case.id, item_id=message.id, kind=MESSAGE,
                blob=message.sealed_body)
        except InvalidCiphertext:
            body = None
        views.append(MessageView(
            id=message.id, seq=message.seq, author_kind=message.author_kind,
            author_id=message.author_id, kind=message.kind,
            internal=message.key_kind == KeyKind.STAFF, created_at=message.created_at,
            body=body, attachments=by_message.get(message.id, []),
        ))
    return CaseView(case=case, answers=answers, messages=views,
                    attachments=by_message.get(None, []))
