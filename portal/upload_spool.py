"""Uploads are encrypted as they arrive, never spooled to disk in clear (security finding 9).

Werkzeug writes every file part over 500 KiB to a temporary file as it parses the request,
long before a view can seal it under a case key: a copy of the disk taken meanwhile (or the
blocks the file leaves behind) would hold the report's evidence in clear. Both apps parse
file parts into `crypto.StreamSpool` instead: at most one 64 KiB block per file part is
held in memory in clear, the rest goes to a nameless temporary file as AES-256-GCM
ciphertext under a random key that lives only in that object and is dropped when the request
ends (Flask closes the request's files). Image and PDF cleaning (portal.metadata) reads the
spool through its decryption, so it too works on memory only.

Issue 15 §6: the spool is written in the stored layout (`crypto.stream`) in the file store's
own directory, so a file that is stored as it came (any type that is not cleaned, or an
original the reporter keeps) becomes the stored file by a link, its key sealed in the
attachment's metadata (portal.cases.sealing.write_spooled), instead of being decrypted and
sealed a second time.

Memory per request: one or two blocks (64 KiB each) per file part, plus the parser's read
buffer (`READ_SIZE`), never more than the body itself, which MAX_CONTENT_LENGTH caps
(settings.max_request_bytes).

Reading (issue 15 §6): Werkzeug's multipart parser reads the body 64 KiB at a time. Behind
gunicorn each such read copies what the server has read ahead of it (up to 1 MiB) once more,
so a 256 MiB upload spent more time in those copies than in its encryption. Here the body is
read `READ_SIZE` at a time and handed to the parser in slices of that read (no copy), no
larger than Werkzeug accepts in one piece under the form-memory cap.
"""

from __future__ import annotations

import os
from functools import cached_property
from typing import IO, Any, cast

from flask import Flask, Request, current_app, request
from werkzeug.formparser import FormDataParser, MultiPartParser

from crypto import StreamSpool
from portal.extensions import settings_of
from portal.storage import STORE_ERRNOS, STORE_EXTENSION, StoreUnavailable

# Issue 14 §2: on the reporter's forms with files, a body over the upload limit is still read
# (up to this many times the limit) so the view can run and show the form again with what was
# typed and the names of the files dropped, instead of a bare 413 that loses everything. File
# bytes past the limit are counted and dropped, never spooled: disk and memory stay bounded.
OVERSIZE_READ_FACTOR = 4
OVERSIZE_ENDPOINTS = frozenset({"reports.report", "reports.case_message"})
# The body is read this much at a time (Werkzeug's own reads are 64 KiB); gunicorn reads the
# socket up to 1 MiB at a time.
READ_SIZE = 1024 * 1024
_WERKZEUG_PIECE = 64 * 1024


def piece_size(max_form_memory_size: int | None) -> int:
    """The largest piece the parser takes at once: Werkzeug refuses a piece that would take
    its buffer past the form-memory cap, so at most half of it."""
    if max_form_memory_size is None:
        return READ_SIZE
    return max(_WERKZEUG_PIECE, min(READ_SIZE, max_form_memory_size // 2))


class LargeReads:
    """`stream` read `READ_SIZE` at a time, handed out in slices of at most the size asked."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._pending = memoryview(b"")

    def read(self, size: int = -1) -> Any:
        if not self._pending:
            self._pending = memoryview(self._stream.read(READ_SIZE))
        count = len(self._pending) if size < 0 else size
        piece, self._pending = self._pending[:count], self._pending[count:]
        return piece


class LargeReadFormDataParser(FormDataParser):
    """Werkzeug's form parser, reading multipart bodies in large reads (`LargeReads`)."""

    def _parse_multipart(self, stream: IO[bytes], mimetype: str, content_length: int | None,
                         options: dict[str, str]) -> Any:
        parser = MultiPartParser(stream_factory=self.stream_factory,
                                 max_form_memory_size=self.max_form_memory_size,
                                 max_form_parts=self.max_form_parts, cls=self.cls,
                                 buffer_size=piece_size(self.max_form_memory_size))
        boundary = options.get("boundary", "").encode("ascii")
        if not boundary:
            raise ValueError("Missing boundary")
        form, files = parser.parse(cast(IO[bytes], LargeReads(stream)), boundary,
                                   content_length)
        return stream, form, files


def _spool_directory() -> str | None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    store = app.extensions.get(STORE_EXTENSION)
    return store.spool_directory() if store is not None else None


class _GuardedSpool(StreamSpool):
    """A spool in the file store's directory: when the store cannot take more (full, quota,
    failing disk) while the body is parsed, the rest of the file is read and dropped and the
    request marked, so the form is parsed whole and the 503 page keeps what was typed
    (`refuse_when_the_store_failed`) instead of a parse that fails half-way as a 500."""

    def __init__(self, owner: SealedUploadRequest) -> None:
        super().__init__(_spool_directory())
        self._owner = owner

    def write(self, data: Any) -> int:
        if self._owner.store_failed is not None:
            return len(memoryview(data).cast("B"))  # read and dropped
        try:
            return super().write(data)
        except OSError as error:
            if error.errno not in STORE_ERRNOS:
                raise
            self._owner.store_failed = error.errno
            return len(memoryview(data).cast("B"))


class _BudgetedSpool(_GuardedSpool):
    """A spool that keeps file bytes only while the request's total stays within budget."""

    def __init__(self, owner: SealedUploadRequest, filename: str | None) -> None:
        super().__init__(owner)
        self._filename = filename or ""

    def write(self, data: Any) -> int:
        size = len(memoryview(data).cast("B"))
        owner = self._owner
        owner.upload_bytes_seen += size
        if owner.upload_bytes_seen > owner.upload_budget():
            if self._filename not in owner.files_over_limit:
                owner.files_over_limit.append(self._filename)
            return size  # read and dropped
        return super().write(data)


class SealedUploadRequest(Request):
    """Flask's request, with file parts streamed into an encrypted spool."""

    form_data_parser_class = LargeReadFormDataParser
    upload_bytes_seen = 0
    # The errno with which the file store refused a spool while the body was parsed.
    store_failed: int | None = None

    @cached_property
    def files_over_limit(self) -> list[str]:
        """The browser's names of the files whose bytes went past the total upload limit."""
        return []

    def upload_budget(self) -> int:
        return settings_of().max_total_upload_bytes

    def _reads_past_limit(self) -> bool:
        return self.endpoint in OVERSIZE_ENDPOINTS

    @property
    def max_content_length(self) -> int | None:
        limit = super().max_content_length
        if limit is not None and self._reads_past_limit():
            return limit * OVERSIZE_READ_FACTOR
        return limit

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        if self._reads_past_limit():
            return cast(IO[bytes], _BudgetedSpool(self, filename))
        return cast(IO[bytes], _GuardedSpool(self))


def init_sealed_uploads(app: Flask) -> None:
    """Make `app` parse uploads into encrypted spools."""
    app.request_class = SealedUploadRequest

    @app.before_request
    def refuse_when_the_store_failed() -> None:
        if request.method == "POST" and request.mimetype == "multipart/form-data":
            request.files  # noqa: B018 (parses the body, so a failing store shows now)
            failed = getattr(request, "store_failed", None)
            if failed is not None:
                raise StoreUnavailable(failed, os.strerror(failed))
