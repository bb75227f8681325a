"""Taking in attachments: size checks, metadata removal and sealing (issue 4 §1, §5)."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from itertools import count
from typing import BinaryIO

from sqlalchemy.orm import Session

from config import Settings
from crypto import StreamSpool
from portal.cases.keyring import Keyring
from portal.cases.sealing import (
    ATTACHMENT_META,
    open_json,
    seal_json,
    write_attachment,
    write_spooled,
)
from portal.db import new_id, on_rollback
from portal.deadlines import start_of_day
from portal.metadata import CleaningLimits, StripResult, describe_removed, strip_metadata
from portal.models import Attachment
from portal.refusals import Refusal
from portal.states import AttachmentVariant, KeyKind
from portal.storage import FileStore


@dataclass
class Upload:
    filename: str
    media_type: str
    stream: BinaryIO
    # Set by `clean_uploads` before anything is stored; None: not cleaned yet.
    cleaning: StripResult | None = None

    @property
    def size(self) -> int:
        self.stream.seek(0, os.SEEK_END)
        size = self.stream.tell()
        self.stream.seek(0)
        return size


@dataclass
class UploadNotice:
    """What the reporter is told about one file: what metadata was removed, or a warning."""

    filename: str
    removed: list[str] = field(default_factory=list)
    unhandled: bool = False
    original_kept: bool = False  # the reporter asked to keep the original for the handlers


class UploadRejected(ValueError):
    """A file breaks a limit; nothing has been stored."""

    def __init__(self, reason: str, filename: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.filename = filename


def check_uploads(settings: Settings, uploads: list[Upload]) -> None:
    """Refuse before anything is written, so a refusal never leaves a file behind."""
    if len(uploads) > settings.max_attachments:
        raise UploadRejected("too_many")
    total = 0
    for upload in uploads:
        size = upload.size
        if size > settings.max_file_bytes:
            raise UploadRejected("file_too_large", upload.filename)
        total += size
    if total > settings.max_total_upload_bytes:
        raise UploadRejected("total_too_large")


def cleaning_limits(settings: Settings) -> CleaningLimits:
    """The configured cost limits of cleaning one file."""
    return CleaningLimits(max_pixels=settings.max_image_pixels,
                          seconds=settings.metadata_seconds,
                          memory_mib=settings.metadata_memory_mib,
                          at_once=settings.metadata_at_once)


def clean_uploads(settings: Settings, uploads: list[Upload]) -> None:
    """Clean every upload before anything is stored, so that a file that cannot be cleaned
    refuses the whole submission (a `Refusal` naming it) and leaves nothing behind."""
    if not settings.strip_metadata:
        return
    for upload in uploads:
        if upload.cleaning is None:
            upload.cleaning = strip_metadata(upload.stream, upload.media_type,
                                             cleaning_limits(settings))
        if upload.cleaning.refused is not None:
            # The name between FSI and PDI, the plain-text form of <bdi> (a refusal is text,
            # escaped where it is shown): a right-to-left name cannot reorder the sentence.
            raise Refusal(upload.cleaning.refused, name=f"\u2068{upload.filename}\u2069",
                          megapixels=settings.max_image_pixels // 1_000_000)


def store_uploads(
    db: Session,
    store: FileStore,
    settings: Settings,
    keys: Keyring,
    uploads: list[Upload],
    *,
    message_id: str | None,
    now: datetime,
    keep_originals: bool = False,
) -> list[UploadNotice]:
    """Seal each upload into the store under the newest keys of `keys` and add its rows.
    Each file is recorded on the session as it is made, so it is deleted again unless the
    transaction commits (portal.db).

    Only the cleaned copy is stored unless the reporter ticked `keep_originals`: an original
    keeps what the reporter was told is removed (GPS, author), so it exists only by their
    choice. Uploads not cleaned yet are cleaned here; one that cannot be is refused.

    The rows keep only the day of `now` and the padded size in clear; the exact size and the
    order of the files are sealed in their metadata (security finding 11).
    """
    notices = []
    # With only the day in clear, the sealed position keeps the files in the order they came.
    stamp = partial(_add, day=start_of_day(now), positions=count(1))
    clean_uploads(settings, uploads)
    for upload in uploads:
        result = upload.cleaning
        notice = UploadNotice(filename=upload.filename)
        if result is not None and result.handled and result.cleaned is not None:
            notice.removed = describe_removed(result.removed)
            stamp(db, store, keys, io.BytesIO(result.cleaned), message_id,
                  variant=AttachmentVariant.CLEAN, key_kind=KeyKind.CASE,
                  meta={"name": upload.filename, "type": result.media_type,
                        "removed": result.removed})
            if not keep_originals:
                notices.append(notice)
                continue
            # Kept by the reporter's choice, as evidence for handlers. A reporter's follow-up
            # has no staff key, so there it is sealed under the case key (their own file).
            notice.original_kept = True
            upload.stream.seek(0)
            stamp(db, store, keys, upload.stream, message_id,
                  variant=AttachmentVariant.ORIGINAL,
                  key_kind=KeyKind.STAFF if keys.holds(KeyKind.STAFF) else KeyKind.CASE,
                  meta={"name": upload.filename, "type": upload.media_type, "removed": []})
        else:
            notice.unhandled = True
            upload.stream.seek(0)
            stamp(db, store, keys, upload.stream, message_id,
                  variant=AttachmentVariant.CLEAN, key_kind=KeyKind.CASE,
                  meta={"name": upload.filename, "type": upload.media_type, "removed": []})
        notices.append(notice)
    return notices


def _add(db: Session, store: FileStore, keys: Keyring, source: BinaryIO,
         message_id: str | None, *, variant: AttachmentVariant, key_kind: KeyKind,
         meta: dict[str, object], day: datetime, positions: Iterator[int]) -> None:
    key = keys.newest(key_kind)  # the staff variant is only chosen with the staff key
    attachment_id = new_id()
    stored_name = store.new_name()
    # Recorded before the first byte is written: a failure half-way leaves no file either.
    on_rollback(db, partial(store.delete, stored_name))
    if isinstance(source, StreamSpool):
        # Stored as it came: the spool becomes the file, sealed once (issue 15 §6).
        written, stream_key = write_spooled(store, source, stored_name=stored_name)
        meta = {**meta, **stream_key}
    else:
        written = write_attachment(store, key, case_id=keys.case_id,
                                   attachment_id=attachment_id, stored_name=stored_name,
                                   source=source)
    db.add(Attachment(
        id=attachment_id,
        case_id=keys.case_id,
        message_id=message_id,
        variant=variant,
        key_kind=key_kind,
        key_generation=keys.generation,
        stored_name=stored_name,
        size=written.padded_size,
        sealed_meta=seal_json(key, case_id=keys.case_id, item_id=attachment_id,
                              kind=ATTACHMENT_META,
                              value={**meta, "size": written.size, "position": next(positions)}),
        created_at=day,
    ))


def attachment_meta(key: bytes, attachment: Attachment) -> dict[str, object]:
    value = open_json(key, case_id=attachment.case_id, item_id=attachment.id,
                      kind=ATTACHMENT_META, blob=attachment.sealed_meta)
    return dict(value)
