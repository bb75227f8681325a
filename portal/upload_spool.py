"""Uploads are encrypted as they arrive, never spooled to disk in clear (security finding 9).

Werkzeug writes every file part over 500 KiB to a temporary file as it parses the request,
long before a view can seal it under a case key: a copy of the disk taken meanwhile (or the
blocks the file leaves behind) would hold the report's evidence in clear. Both apps parse
file parts into `crypto.EphemeralSpool` instead: at most one 64 KiB block per file part is
held in memory in clear, the rest goes to a temporary file as AES-256-GCM ciphertext under a
random key that lives only in that object and is dropped when the request ends (Flask closes
the request's files). Image and PDF cleaning (portal.metadata) reads the spool through its
decryption, so it too works on memory only.

Memory per request: one block (64 KiB) per file part, never more than the body itself,
which MAX_CONTENT_LENGTH caps (settings.max_request_bytes).
"""

from __future__ import annotations

from functools import cached_property
from typing import IO, Any, cast

from flask import Flask, Request

from crypto import EphemeralSpool
from portal.extensions import settings_of

# Issue 14 §2: on the reporter's forms with files, a body over the upload limit is still read
# (up to this many times the limit) so the view can run and show the form again with what was
# typed and the names of the files dropped, instead of a bare 413 that loses everything. File
# bytes past the limit are counted and dropped, never spooled: disk and memory stay bounded.
OVERSIZE_READ_FACTOR = 4
OVERSIZE_ENDPOINTS = frozenset({"reports.report", "reports.case_message"})


class _BudgetedSpool(EphemeralSpool):
    """A spool that keeps file bytes only while the request's total stays within budget."""

    def __init__(self, owner: SealedUploadRequest, filename: str | None) -> None:
        super().__init__()
        self._owner = owner
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

    upload_bytes_seen = 0

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
        return cast(IO[bytes], EphemeralSpool())


def init_sealed_uploads(app: Flask) -> None:
    """Make `app` parse uploads into encrypted spools."""
    app.request_class = SealedUploadRequest
