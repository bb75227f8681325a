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

from typing import IO, cast

from flask import Flask, Request

from crypto import EphemeralSpool


class SealedUploadRequest(Request):
    """Flask's request, with file parts streamed into an encrypted spool."""

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        return cast(IO[bytes], EphemeralSpool())


def init_sealed_uploads(app: Flask) -> None:
    """Make `app` parse uploads into encrypted spools."""
    app.request_class = SealedUploadRequest
