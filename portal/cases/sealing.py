"""Sealing the items of a case: JSON answers, message bodies and streamed attachments.

Every item is sealed under a subkey of one of the case's two keys, bound to the case id, the
item id and its kind, so no ciphertext can be moved to another row or case. A message is also
bound to the clear columns its readers trust (author, kind, key, time, its place in the
dialogue: see `message_context`), so a database writer cannot relabel or reorder it.
"""

from __future__ import annotations

import base64
import io
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import chain
from typing import IO, Any, BinaryIO, NamedTuple, cast

from crypto import (
    SPOOLED_AAD,
    InvalidCiphertext,
    StreamSpool,
    encrypt_stream,
    item_subkey,
    iter_decrypt_stream,
    open_item,
    seal_item,
)
from portal.models import Attachment, Message
from portal.storage import FileStore, store_errors

ANSWERS = "answers"
MESSAGE = "message"
ATTACHMENT_META = "attachment-meta"
ATTACHMENT = "attachment"
# The layout of a message's bound context; a new layout needs a new label.
_MESSAGE_CONTEXT = "aktsom/message/v2"
_log = logging.getLogger("aktsom.attachments")
_MIN_BUCKET = 64 * 1024


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
    """What a message's seal binds besides its ids: who wrote it, what it is, under which key
    and which generation of it (portal.cases.keyring), when (its clear column: the day, for a
    reporter's message), its number in the case (`seq`) and the number of the message before
    it under the same key (`prev_seq`, 0 for the first).
    The previous number is what lets a reporter, who sees only the case-key messages, notice
    that one of them was taken out.
    """
    return (_MESSAGE_CONTEXT, message.author_kind, message.author_id or "", message.kind,
            message.key_kind, str(message.key_generation), _microseconds(message.created_at),
            str(message.seq), str(prev_seq))


def seal_message(key: bytes, message: Message, *, prev_seq: int, text: str,
                 sent_at: datetime) -> bytes:
    """The sealed body of `message`, whose other columns must be set already, with its exact
    time: for a reporter's message the clear column keeps only the day (security finding 11),
    so the time shown comes from here."""
    plaintext = json.dumps({"text": text, "sent_at": sent_at.isoformat()},
                           ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return seal_item(key, case_id=message.case_id, item_id=message.id, kind=MESSAGE,
                     plaintext=plaintext, context=message_context(message, prev_seq))


def open_message(key: bytes, message: Message, *, prev_seq: int) -> tuple[str, datetime]:
    """(text, exact time) of `message`. Raises crypto.InvalidCiphertext when the body or any
    bound column was altered, or `prev_seq` (from the messages actually stored) is not the
    sealed one."""
    plaintext = open_item(key, case_id=message.case_id, item_id=message.id, kind=MESSAGE,
                          blob=message.sealed_body, context=message_context(message, prev_seq))
    try:
        value = json.loads(plaintext)
        return str(value["text"]), datetime.fromisoformat(str(value["sent_at"]))
    except (KeyError, TypeError, ValueError):
        raise InvalidCiphertext() from None


def _stream_aad(case_id: str, attachment_id: str) -> bytes:
    return f"aktsom-attachment\0{case_id}\0{attachment_id}".encode()


def padded_size(size: int) -> int:
    """The size a file of `size` bytes is stored as: the next power of two, at least 64 KiB.

    An exact size can match a leaked document (security finding 11). In powers of two a
    25 MiB limit leaves ten sizes a copy of the store can tell apart, at a cost of at most
    twice the space; every file up to 64 KiB looks alike. The exact size is sealed in the
    attachment's metadata.
    """
    return max(_MIN_BUCKET, 1 << max(size - 1, 0).bit_length())


class _PaddedSource:
    """`source`, then zeros up to its bucket. Its size is known only at its end, so the
    bucket is chosen there; the zeros are inside the encrypted stream, so authenticated."""

    def __init__(self, source: BinaryIO) -> None:
        self._source = source
        self.size = 0
        self._padding: int | None = None

    def read(self, n: int = -1) -> bytes:
        if self._padding is None:
            data = self._source.read(n)
            if data:
                self.size += len(data)
                return data
            self._padding = padded_size(self.size) - self.size
        count = self._padding if n < 0 else min(n, self._padding)
        self._padding -= count
        return bytes(count)


class WrittenAttachment(NamedTuple):
    size: int  # the file's own size, to be sealed in its metadata
    padded_size: int  # what the stored stream holds, the only size in clear


def write_attachment(store: FileStore, key: bytes, *, case_id: str, attachment_id: str,
                     stored_name: str, source: BinaryIO) -> WrittenAttachment:
    """Stream `source` encrypted and padded (`padded_size`) into the store."""
    subkey = item_subkey(key, kind=ATTACHMENT, item_id=attachment_id)
    padded = _PaddedSource(source)
    with store.create(stored_name) as target:
        total = encrypt_stream(cast(BinaryIO, padded), target, subkey,
                               _stream_aad(case_id, attachment_id))
    return WrittenAttachment(size=padded.size, padded_size=total)


# The sealed metadata's entry for the key of a file stored from its upload spool.
STREAM_KEY = "stream_key"


def write_spooled(store: FileStore, spool: StreamSpool, *, stored_name: str
                  ) -> tuple[WrittenAttachment, dict[str, str]]:
    """Make the upload `spool` the stored file `stored_name`, padded (`padded_size`), without
    sealing it again (issue 15 §6). Returns what `write_attachment` returns and the entry to
    seal into the attachment's metadata: the file's own random key. Sealed there, under the
    item's subkey with the case id and the attachment id as associated data, that key is what
    binds the file to its row: the file opens with that key and no other, and the metadata
    cannot be moved to another row or case."""
    size = spool.size
    padded = padded_size(size)
    with store_errors():  # the padding is written to the spool on the store's disk
        file_key = spool.finish(padded - size)
    store.adopt(stored_name, spool)
    return (WrittenAttachment(size=size, padded_size=padded),
            {STREAM_KEY: base64.b64encode(file_key).decode("ascii")})


def _stream_key(key: bytes, attachment: Attachment, meta: dict[str, Any] | None
                ) -> tuple[bytes, bytes]:
    """(key, associated data) of an attachment's stored stream: its own key when it was stored
    from the upload spool (`write_spooled`), else the item's subkey."""
    sealed_key = (meta or {}).get(STREAM_KEY)
    if isinstance(sealed_key, str):
        try:
            file_key = base64.b64decode(sealed_key, validate=True)
        except ValueError:
            raise InvalidCiphertext() from None
        return file_key, SPOOLED_AAD
    return (item_subkey(key, kind=ATTACHMENT, item_id=attachment.id),
            _stream_aad(attachment.case_id, attachment.id))


class AttachmentChunks:
    """The plaintext of a stored attachment as verified chunks, decrypted as they are taken
    (a streamed download): nothing of it is ever written anywhere in clear.

    `open_attachment` has verified the start already. Damage further on raises
    InvalidCiphertext when the iteration reaches it; a response then breaks off (the server
    cuts the connection, short of the announced Content-Length) instead of finishing with
    bytes that failed their check. The last chunk is held back until the rest of the stored
    stream is verified, so a damaged file never arrives complete. Memory: a few 64 KiB
    segments, whatever the size. Closing (the WSGI server does) closes the stored file.
    """

    def __init__(self, source: BinaryIO, segments: Iterator[bytes], first: bytes,
                 size: int | None) -> None:
        self._source = source
        self._segments = segments
        self._first = first
        self.size = size

    def __iter__(self) -> Iterator[bytes]:
        return self._chunks()

    def _chunks(self) -> Iterator[bytes]:
        try:
            remaining = self.size
            held = b""
            for segment in chain([self._first], self._segments):
                part = segment if remaining is None else segment[:remaining]
                if remaining is not None:
                    remaining -= len(part)
                if part:
                    if held:
                        yield held
                    held = part
            if remaining:
                raise InvalidCiphertext()  # shorter than its sealed size
            if held:
                yield held
        except InvalidCiphertext:
            _log.warning("an attachment failed its integrity check while it was sent")
            raise
        finally:
            self.close()

    def close(self) -> None:
        self._source.close()


def open_attachment(store: FileStore, key: bytes, attachment: Attachment,
                    size: int | None = None, meta: dict[str, Any] | None = None
                    ) -> AttachmentChunks:
    """Open a stored attachment for streaming, `size` bytes of it: its exact size from the
    sealed metadata, so the padding is verified but never sent (None: all, padding too).
    `meta` is its opened metadata: a file stored from its upload spool opens only with it.

    Its header and first segment are verified here: a file damaged at the start raises
    InvalidCiphertext (or FileNotFoundError when it is gone) before any response exists.
    """
    stream_key, aad = _stream_key(key, attachment, meta)
    source = store.open(attachment.stored_name)
    try:
        segments = iter_decrypt_stream(source, stream_key, aad)
        first = next(segments, b"")
    except BaseException:
        source.close()
        raise
    return AttachmentChunks(source, segments, first, size)


class _ChunkReader(io.RawIOBase):
    def __init__(self, chunks: AttachmentChunks) -> None:
        super().__init__()
        self._chunks = chunks
        self._iterator = iter(chunks)
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        target = memoryview(buffer).cast("B")
        if not self._pending:
            self._pending = next(self._iterator, b"")
        count = min(len(target), len(self._pending))
        target[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count

    def close(self) -> None:
        self._chunks.close()
        super().close()


def sealed_size(meta: dict[str, Any], attachment: Attachment) -> int:
    """The exact size from an attachment's opened metadata (the clear column holds only the
    padded size)."""
    size = meta.get("size")
    return size if isinstance(size, int) else attachment.size


def read_attachment(store: FileStore, key: bytes, attachment: Attachment) -> IO[bytes]:
    """The attachment as a readable file object, decrypted as it is read (for tools and
    tests; downloads stream `open_attachment`). Nothing is spooled: the old temporary file
    held the plaintext on disk (security finding 9)."""
    meta = open_json(key, case_id=attachment.case_id, item_id=attachment.id,
                     kind=ATTACHMENT_META, blob=attachment.sealed_meta)
    reader = _ChunkReader(open_attachment(store, key, attachment, sealed_size(meta, attachment),
                                          meta))
    return cast(IO[bytes], io.BufferedReader(reader))
