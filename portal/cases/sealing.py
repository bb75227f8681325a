"""Sealing the items of a case: JSON answers, message bodies and streamed attachments.

Every item is sealed under a subkey of one of the case's two keys, bound to the case id, the
item id and its kind, so no ciphertext can be moved to another row or case.
"""

from __future__ import annotations

import json
import tempfile
from typing import IO, Any, BinaryIO, cast

from crypto import decrypt_stream, encrypt_stream, item_subkey, open_item, seal_item
from portal.models import Attachment
from portal.storage import FileStore

ANSWERS = "answers"
MESSAGE = "message"
ATTACHMENT_META = "attachment-meta"
ATTACHMENT = "attachment"
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
