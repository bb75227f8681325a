"""Sealing the items of a case: JSON answers, message bodies and streamed attachments.

Every item is sealed under a subkey of one of the case's two keys, bound to the case id, the
item id and its kind, so no ciphertext can be moved to another row or case. A message is also
bound to the clear columns its readers trust (author, kind, key, time, its place in the
dialogue: see `message_context`), so a database writer cannot relabel or reorder it.
"""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime
from typing import IO, Any, BinaryIO, cast

from crypto import decrypt_stream, encrypt_stream, item_subkey, open_item, seal_item
from portal.models import Attachment, Message
from portal.storage import FileStore

ANSWERS = "answers"
MESSAGE = "message"
ATTACHMENT_META = "attachment-meta"
ATTACHMENT = "attachment"
# The layout of a message's bound context; a new layout needs a new label.
_MESSAGE_CONTEXT = "aktsom/message/v1"
# Decrypted downloads stay in memory up to this size, then spill to a temporary file.
_SPOOL_BYTES = 4 * 1024 * 1024


def seal_json(key: bytes, *, case_id: str, item_id: str, kind: str, value: Any) -> bytes:
    plaintext = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return seal_item(key, case_id=case_id, item_id=item_id, kind=kind, plaintext=plaintext)


def open_json(key: bytes, *, case_id: str, item_id: str, kind: str, blob: bytes) -> Any:
    """Raises crypto.InvalidCiphertext when the item was tampered with."""
    return json.loads(open_item(key, case_id=case_id, item_id=item_id, kind=kind, blob=blob))


def seal_text(key: bytes, *, case_id: str, item_id: str, kind: str, text: str) -> bytes:
    return seal_item(key, case_id=case_id, item_id=item_id, kind=kind,
                     plaintext=text.encode("utf-8"))


def open_text(key: bytes, *, case_id: str, item_id: str, kind: str, blob: bytes) -> str:
    return open_item(key, case_id=case_id, item_id=item_id, kind=kind,
                     blob=blob).decode("utf-8")


def _microseconds(moment: datetime) -> str:
    # Integer microseconds since the epoch: the same on every backend, whatever its text form.
    delta = moment.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return str((delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds)


def message_context(message: Message, prev_seq: int) -> tuple[str, ...]:
    """What a message's seal binds besides its ids: who wrote it, what it is, under which key,
    when, its number in the case (`seq`) and the number of the message before it under the
    same key (`prev_seq`, 0 for the first). The previous number is what lets a reporter, who
    sees only the case-key messages, notice that one of them was taken out.
    """
    return (_MESSAGE_CONTEXT, message.author_kind, message.author_id or "", message.kind,
            message.key_kind, _microseconds(message.created_at), str(message.seq),
            str(prev_seq))


def seal_message(key: bytes, message: Message, *, prev_seq: int, text: str) -> bytes:
    """The sealed body of `message`, whose other columns must be set already."""
    return seal_item(key, case_id=message.case_id, item_id=message.id, kind=MESSAGE,
                     plaintext=text.encode("utf-8"), context=message_context(message, prev_seq))


def open_message(key: bytes, message: Message, *, prev_seq: int) -> str:
    """The body of `message`. Raises crypto.InvalidCiphertext when the body or any bound column
    was altered, or `prev_seq` (from the messages actually stored) is not the sealed one."""
    return open_item(key, case_id=message.case_id, item_id=message.id, kind=MESSAGE,
                     blob=message.sealed_body,
                     context=message_context(message, prev_seq)).decode("utf-8")


def _stream_aad(case_id: str, attachment_id: str) -> bytes:
    return f"aktsom-attachment\0{case_id}\0{attachment_id}".encode()


def write_attachment(store: FileStore, key: bytes, *, case_id: str, attachment_id: str,
                     stored_name: str, source: BinaryIO) -> int:
    """Stream `source` encrypted into the store; returns the plaintext size."""
    subkey = item_subkey(key, kind=ATTACHMENT, item_id=attachment_id)
    with store.create(stored_name) as target:
        return encrypt_stream(source, target, subkey, _stream_aad(case_id, attachment_id))


def read_attachment(store: FileStore, key: bytes, attachment: Attachment) -> IO[bytes]:
    """Decrypt into a temporary file and return it rewound. Everything is verified before
    the first byte is served: a truncated or altered file raises InvalidCiphertext here."""
    subkey = item_subkey(key, kind=ATTACHMENT, item_id=attachment.id)
    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115 (returned)
    try:
        with store.open(attachment.stored_name) as source:
            decrypt_stream(source, cast(BinaryIO, spool),
                           subkey, _stream_aad(attachment.case_id, attachment.id))
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return cast(IO[bytes], spool)
