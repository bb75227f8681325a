"""Hand-made multipart bodies, for what a browser never sends but an attacker can: parts
without a name, text fields sent as files, names with control characters, odd bytes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

BOUNDARY = "aktsom-hostile-boundary"


@dataclass(frozen=True)
class Part:
    """One part: `name` None leaves the name out; `filename` (raw header text, may be an
    RFC 2231 `filename*=` form) makes it a file part."""

    name: str | None
    value: bytes
    filename: str | None = None
    raw_filename: bool = False


def text(name: str | None, value: str | bytes) -> Part:
    return Part(name, value.encode() if isinstance(value, str) else value)


def file(name: str | None, value: bytes, filename: str = "file.txt") -> Part:
    return Part(name, value, filename)


def encoded_file(name: str, value: bytes, percent_encoded_name: str) -> Part:
    """A file whose name is sent as `filename*=UTF-8''...`, which may carry CR, LF and NUL."""
    return Part(name, value, f"filename*=UTF-8''{percent_encoded_name}", raw_filename=True)


def body(parts: list[Part]) -> bytes:
    chunks = []
    for part in parts:
        disposition = "form-data"
        if part.name is not None:
            disposition += f'; name="{part.name}"'
        if part.filename is not None:
            disposition += ("; " + part.filename if part.raw_filename
                            else f'; filename="{part.filename}"')
        head = f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n"
        if part.filename is not None:
            head += "Content-Type: application/octet-stream\r\n"
        chunks.append(head.encode("utf-8", "surrogateescape") + b"\r\n" + part.value + b"\r\n")
    return b"".join(chunks) + f"--{BOUNDARY}--\r\n".encode()


def post_parts(client: FlaskClient, path: str, parts: list[Part], **kwargs: Any) -> TestResponse:
    return client.post(path, data=body(parts),
                       content_type=f"multipart/form-data; boundary={BOUNDARY}", **kwargs)
