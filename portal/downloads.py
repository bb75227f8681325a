"""Attachments leave as streamed downloads, never rendered by the browser (design §7).

The plaintext goes from the decryptor to the socket chunk by chunk (portal.cases.sealing),
so no decrypted copy is spooled to disk (security finding 9).
"""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

from werkzeug.wrappers import Response

from portal.cases.sealing import AttachmentChunks


def attachment_download(chunks: AttachmentChunks, name: str) -> Response:
    """A download of `chunks` named `name`: attachment, octet-stream, nosniff, no-store.

    The length is announced, so a transfer cut short by damage found mid-stream is seen as
    incomplete by the browser instead of passing as a whole, shorter file.
    """
    response = Response(chunks, mimetype="application/octet-stream", direct_passthrough=True)
    if chunks.size is not None:
        response.content_length = chunks.size
    response.headers.set("Content-Disposition", "attachment", **_file_names(name))
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store, max-age=0"
    return response


def _file_names(name: str) -> dict[str, str]:
    """`filename`, plus RFC 5987 `filename*` for a name beyond ASCII (as Flask's send_file)."""
    try:
        name.encode("ascii")
    except UnicodeEncodeError:
        simple = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
        return {"filename": simple, "filename*": f"UTF-8''{quote(name, safe='!#$&+-.^_`|~')}"}
    return {"filename": name}
