"""Issue 15 §6: a large file is streamed, never held whole in memory on its way in.

`loadtest/large_file.py` measures the server's peak memory with a 1 GiB file; this checks the
cause it found: the metadata step read every upload whole to look at its first bytes (a
256 MiB archive made the worker's peak RSS 642 MiB).
"""

from __future__ import annotations

import io
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, cast

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

import crypto.spool
import crypto.stream
import crypto.stream_spool
from crypto import SPOOL_PREFIX, StreamSpool
from portal.db import session_factory, transaction
from portal.metadata import strip_metadata
from portal.metadata_sandbox import PRELOADED
from portal.models import Attachment
from portal.storage import FileStore, file_store
from portal.upload_spool import READ_SIZE
from tests.factories import csrf_token
from tests.faults.conftest import organisation  # noqa: F401
from tests.portal.conftest import Organisation
from tests.portal.helpers import CODE, follow_up


class CountingStream(io.BytesIO):
    """A file that counts the bytes read from it."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.bytes_read += len(data)
        return data


def test_a_file_of_another_type_is_sniffed_not_read_whole() -> None:
    archive = CountingStream(b"PK\x03\x04" + bytes(8 * 1024 * 1024))
    result = strip_metadata(archive, "application/zip")
    assert result.handled is False
    assert archive.bytes_read <= 64
    assert archive.tell() == 0  # left at the start for sealing


def test_heic_is_still_refused_from_its_first_bytes() -> None:
    heic = CountingStream(b"\x00\x00\x00\x18ftypheic" + bytes(1024 * 1024))
    result: Any = strip_metadata(heic, "image/heic")
    assert result.refused is not None
    assert heic.bytes_read <= 64


# --- issue 15 §6: uploads received in large reads, sealed once --------------------------


_MiB = 1024 * 1024
_ROOT = Path(__file__).resolve().parents[2]
_ATTACHMENT_LINK = re.compile(r'href="(/case/attachments/[0-9a-f]{32})"')


class CountingAESGCM:
    """`AESGCM`, counting the plaintext bytes it seals (shared by every instance)."""

    sealed = 0

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def encrypt(self, nonce: bytes, data: bytes, aad: bytes | None) -> bytes:
        CountingAESGCM.sealed += len(data)
        return self._aead.encrypt(nonce, data, aad)

    def decrypt(self, nonce: bytes, data: bytes, aad: bytes | None) -> bytes:
        return self._aead.decrypt(nonce, data, aad)


def _multipart(fields: dict[str, str], content: bytes) -> tuple[bytes, str]:
    boundary = "aktsom-test-boundary-15"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'
             .encode() for key, value in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; '
                 f'filename="archive.bin"\r\nContent-Type: application/octet-stream\r\n\r\n'
                 .encode())
    parts += [content, f"\r\n--{boundary}--\r\n".encode()]
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class RecordingInput(io.BytesIO):
    """A request body that records the size of every read the server makes from it."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.reads: list[int] = []

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.reads.append(len(data))
        return data

    def readinto(self, buffer: Any) -> int:
        count = super().readinto(buffer)
        self.reads.append(count)
        return count


def _post_report(client: FlaskClient, unit_id: str, content: bytes,
                 body_input: type[io.BytesIO] = io.BytesIO) -> tuple[str, io.BytesIO]:
    fields = {"csrf_token": csrf_token(client, "/report"), "category": "forced_labour",
              "unit": unit_id, "description": "The ledgers are attached."}
    body, content_type = _multipart(fields, content)
    stream = body_input(body)
    response = client.post("/report", input_stream=stream, content_type=content_type,
                           content_length=len(body), follow_redirects=True)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    code = CODE.search(response.get_data(as_text=True))
    assert code
    return code.group(1), stream


def _download(client: FlaskClient, code: str) -> bytes:
    follow_up(client, code)
    page = client.get("/case").get_data(as_text=True)
    link = _ATTACHMENT_LINK.search(page)
    assert link, "the case shows no file"
    response = client.get(link.group(1))
    assert response.status_code == 200
    return response.get_data()


def test_issue15_a_file_stored_as_it_came_is_sealed_once(
        portal_app: Flask, organisation: Organisation,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The 256 MiB upload of `make bench` ran at 0.20x of a bare AES-GCM loop: the body was
    sealed into the spool, decrypted, and sealed again into the store. Now the spool is
    written in the stored layout and renamed into the store."""
    for module in (crypto.spool, crypto.stream, crypto.stream_spool):
        monkeypatch.setattr(module, "AESGCM", CountingAESGCM)
    CountingAESGCM.sealed = 0
    content = random.Random(15).randbytes(2 * _MiB)  # a power of two: no padding
    client = portal_app.test_client()
    code, _body = _post_report(client, organisation.unit_id, content)
    assert CountingAESGCM.sealed == len(content)  # once, not twice
    assert _download(client, code) == content
    with transaction(session_factory(portal_app)) as db:
        attachment = db.scalars(select(Attachment)).one()
    assert attachment.size == len(content)  # the padded size in clear, as before
    store = file_store(portal_app)
    assert store.all_names() == [attachment.stored_name]
    assert list(store.root.glob(f"{SPOOL_PREFIX}*")) == []  # the spool became the file


def test_issue15_a_padded_file_stored_as_it_came_downloads_identical(
        portal_app: Flask, organisation: Organisation) -> None:  # noqa: F811
    """Not a power of two: the padding is sealed after the bytes, and never sent."""
    content = random.Random(16).randbytes(_MiB + 12345)
    client = portal_app.test_client()
    code, _body = _post_report(client, organisation.unit_id, content)
    assert _download(client, code) == content
    with transaction(session_factory(portal_app)) as db:
        assert db.scalars(select(Attachment)).one().size == 2 * _MiB


def test_issue15_the_body_is_read_in_large_pieces(
        portal_app: Flask, organisation: Organisation) -> None:  # noqa: F811
    """Werkzeug's parser read 64 KiB at a time; behind gunicorn each read copied the server's
    read-ahead again (profiled: more time than the encryption of a 256 MiB upload)."""
    content = random.Random(17).randbytes(4 * _MiB)
    client = portal_app.test_client()
    _code, body = _post_report(client, organisation.unit_id, content, RecordingInput)
    reads = [size for size in cast(RecordingInput, body).reads if size]
    assert max(reads) >= READ_SIZE
    assert len(reads) <= len(content) // READ_SIZE + 2


def test_issue15_the_sweep_removes_spools_a_crash_left_and_spares_young_ones(
        tmp_path: Path) -> None:
    store = FileStore(tmp_path / "store")
    directory = store.spool_directory()
    assert directory == str(store.root)
    old = StreamSpool(directory)
    old.write(bytes(3 * 65536))  # on disk from the second block on
    [old_path] = store.root.glob(f"{SPOOL_PREFIX}*")
    young = StreamSpool(directory)
    young.write(bytes(3 * 65536))
    long_ago = time.time() - 7200
    os.utime(old_path, (long_ago, long_ago))
    removed = store.sweep(referenced=set())
    assert removed == [old_path.name]
    assert len(list(store.root.glob(f"{SPOOL_PREFIX}*"))) == 1
    old.close()
    young.close()


_HEAVY = ("fpdf", "zxcvbn", "segno", "PIL", "pikepdf")


def test_issue15_a_worker_loads_no_library_it_does_not_use_for_every_request(
        tmp_path: Path) -> None:
    """The server's worker held 139 MiB before its first report; 43 of them were libraries
    only some pages use (fpdf for the annual figures' PDF, zxcvbn's word lists, segno's QR
    codes) or that only the cleaning child uses (Pillow, pikepdf). They load when needed."""
    script = ("import sys\nfrom admin.wsgi import build_wsgi_app\nbuild_wsgi_app('all')\n"
              f"print(sorted(name for name in {_HEAVY!r} if name in sys.modules))\n")
    environment = {**os.environ, "AKTSOM_ENV": "development",
                   "AKTSOM_SECRET_KEY": "x" * 64,
                   "AKTSOM_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
                   "AKTSOM_INSTANCE_DIR": str(tmp_path / "instance")}
    result = subprocess.run([sys.executable, "-c", script], env=environment, cwd=_ROOT,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]"


def test_issue15_the_cleaning_child_still_has_its_parsers_preloaded() -> None:
    """What the worker no longer imports, the fork server of the cleaning children does,
    once: each child starts without importing Pillow and pikepdf again."""
    assert {"portal.metadata_images", "portal.metadata_jpeg",
            "portal.metadata_pdf"} <= set(PRELOADED)
