"""Security finding 9, plaintext on the server's disk: Werkzeug spooled uploads over 500 KiB
to a temporary file in clear before they were encrypted, and downloads over 4 MiB were
decrypted into a temporary file before they were sent.

The watch covers every directory a temporary file may land in (TMPDIR pointed at a test
directory, `tempfile.gettempdir()`, the instance directory with the file store) and every
regular file the process holds open: Linux makes `tempfile.TemporaryFile` with O_TMPFILE, a
file no directory lists, so only /proc/self/fd shows it.
"""

from __future__ import annotations

import io
import os
import random
import stat
import tempfile
from pathlib import Path
from typing import BinaryIO

import pikepdf
import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from config import Settings
from crypto import InvalidCiphertext, StreamSpool
from portal.db import session_factory, transaction
from portal.metadata import strip_metadata
from portal.models import Attachment
from portal.storage import FileStore
from tests.admin.case_support import World, signed_in
from tests.admin.case_support import world as world  # noqa: F401 (fixture)
from tests.factories import csrf_token
from tests.portal.helpers import CODE, follow_up

MARKER = b"PLAINTEXT-ON-DISK-MARKER-9 the foreman keeps the passports"
_MiB = 1024 * 1024


@pytest.fixture
def settings(make_settings: object, database_url: str) -> Settings:
    """Room for a 30 MiB file (the default limit is 25 MiB)."""
    made: Settings = make_settings(database_url=database_url,  # type: ignore[operator]
                                   max_file_bytes=32 * _MiB, max_total_upload_bytes=40 * _MiB)
    return made


def _marked_file(size: int) -> bytes:
    """Random bytes with the marker every 8 KiB, so any piece of the file on disk shows."""
    rng = random.Random(9)
    block = bytearray()
    while len(block) < _MiB:
        block += MARKER + rng.randbytes(8192 - len(MARKER))
    parts = [bytes([index]) + bytes(block[1:]) for index in range(size // _MiB + 1)]
    return b"".join(parts)[:size]


def _plaintext_on_disk(directories: list[Path]) -> list[str]:
    """Every file in `directories`, or held open by this process, that contains the marker."""
    found = []
    for directory in directories:
        for path in directory.rglob("*"):
            if path.is_file() and MARKER in path.read_bytes():
                found.append(str(path))
    for fd in os.listdir("/proc/self/fd"):
        link = f"/proc/self/fd/{fd}"
        try:
            if not stat.S_ISREG(os.stat(link).st_mode):
                continue
            with open(link, "rb") as handle:
                if MARKER in handle.read():
                    found.append(os.readlink(link))
        except OSError:
            continue  # closed meanwhile (the listing's own descriptor, for one)
    return found


class WatchingStore(FileStore):
    """The real store, looking at the disk when a file is sealed into it: by then the upload
    has been received in full and is still open."""

    def __init__(self, root: Path, directories: list[Path]) -> None:
        super().__init__(root)
        self.directories = directories
        self.found: list[str] = []
        self.looks = 0

    def create(self, name: str) -> BinaryIO:
        self.looks += 1
        self.found += _plaintext_on_disk(self.directories)
        return super().create(name)

    def adopt(self, name: str, spool: StreamSpool) -> None:
        """A file stored as it came is its own upload spool, renamed (issue 15 §6)."""
        self.looks += 1
        self.found += _plaintext_on_disk(self.directories)
        super().adopt(name, spool)


@pytest.fixture
def watched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Settings,
            portal_app: Flask, admin_app: Flask) -> WatchingStore:
    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc/self/fd to see unlinked temporary files")
    scratch = tmp_path / "tmpdir"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR again
    assert tempfile.gettempdir() == str(scratch)
    store = WatchingStore(settings.storage_dir, [scratch, settings.instance_dir])
    for app in (portal_app, admin_app):
        app.extensions["aktsom.file_store"] = store
    return store


def _multipart(fields: dict[str, str], name: str, content: bytes) -> tuple[bytes, str]:
    """The request body built in memory: the test client's own encoder spools to disk."""
    boundary = "aktsom-test-boundary-9"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'
             .encode() for key, value in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; '
                 f'filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode())
    parts += [content, f"\r\n--{boundary}--\r\n".encode()]
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _report_with(client: FlaskClient, unit_id: str, name: str, content: bytes,
                 **extra: str) -> str:
    fields = {"csrf_token": csrf_token(client, "/report"), "category": "forced_labour",
              "unit": unit_id, "description": "Evidence attached.", **extra}
    body, content_type = _multipart(fields, name, content)
    response = client.post("/report", data=body, content_type=content_type,
                           follow_redirects=True)  # to the code page (issue 14 §1)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    match = CODE.search(response.get_data(as_text=True))
    assert match
    return match.group(1)


def _download_watching(client: FlaskClient, url: str,
                       store: WatchingStore) -> tuple[bytes, list[str]]:
    """Download `url`, looking at the disk once the first bytes have arrived."""
    response = client.get(url)
    assert response.status_code == 200
    chunks = iter(response.response)
    first = next(chunks)
    found = _plaintext_on_disk(store.directories)
    body = first + b"".join(chunks)
    response.close()
    return body, found


def _clean_copy(app: Flask) -> Attachment:
    with transaction(session_factory(app)) as db:
        return db.scalars(select(Attachment).where(Attachment.variant == "clean")).one()


def test_a_30_mib_upload_and_its_downloads_leave_no_plaintext_on_disk(
    client: FlaskClient, world: World, watched: WatchingStore, portal_app: Flask,
    admin_app: Flask,
) -> None:
    content = _marked_file(30 * _MiB)
    code = _report_with(client, world.unit_id, "ledger.bin", content)
    assert watched.looks == 1  # the disk was looked at while the upload was held
    assert watched.found == [], "plaintext of the upload on disk"
    attachment = _clean_copy(portal_app)

    follow_up(client, code)
    body, found = _download_watching(client, f"/case/attachments/{attachment.id}", watched)
    assert found == [], "plaintext of the reporter's download on disk"
    assert body == content

    alice = signed_in(admin_app, world.alice)
    body, found = _download_watching(
        alice, f"/admin/cases/{attachment.case_id}/attachments/{attachment.id}", watched)
    assert found == [], "plaintext of the handler's download on disk"
    assert body == content


def test_metadata_is_stripped_in_memory_not_from_a_plaintext_file(
    client: FlaskClient, world: World, watched: WatchingStore, portal_app: Flask,
) -> None:
    """A photo over the old 500 KiB spool limit, its EXIF carrying the marker."""
    noise = random.Random(3).randbytes(900 * 700 * 3)
    exif = Image.Exif()
    exif[0x010F] = MARKER.decode()
    photo = io.BytesIO()
    Image.frombytes("RGB", (900, 700), noise).save(photo, format="JPEG", quality=95,
                                                   exif=exif)
    assert len(photo.getvalue()) > 600 * 1024
    _report_with(client, world.unit_id, "photo.jpg", photo.getvalue())
    assert watched.found == []
    assert _clean_copy(portal_app).variant == "clean"


def _pdf_with_marked_author() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.pages[0].Contents = pdf.make_stream(random.Random(5).randbytes(300 * 1024))
    pdf.docinfo["/Author"] = MARKER.decode()
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_a_pdf_is_cleaned_from_the_spool_as_from_memory(
    client: FlaskClient, world: World, watched: WatchingStore, portal_app: Flask,
    admin_app: Flask,
) -> None:
    """pikepdf jumps around the file and takes a short read for the end: the spool must
    give it what a file in memory would."""
    original = _pdf_with_marked_author()
    expected = strip_metadata(io.BytesIO(original), "application/pdf").cleaned
    assert expected is not None and MARKER not in expected
    # The reporter asks to keep the original (opt-in since the metadata issue, point 1),
    # so that its download is checked too.
    code = _report_with(client, world.unit_id, "memo.pdf", original, keep_originals="y")
    assert watched.found == []
    clean = _clean_copy(portal_app)
    follow_up(client, code)
    response = client.get(f"/case/attachments/{clean.id}")
    assert response.data == expected
    response.close()
    with transaction(session_factory(portal_app)) as db:
        kept = db.scalars(select(Attachment).where(Attachment.variant == "original")).one()
    alice = signed_in(admin_app, world.alice)
    # The original is reached through the evidence-copy step (issue 14 §10).
    url = f"/admin/cases/{kept.case_id}/attachments/{kept.id}/evidence-copy"
    response = alice.post(url, data={"csrf_token": csrf_token(alice, url)})
    assert response.data == original
    response.close()


def test_damage_mid_stream_cuts_the_download_short(client: FlaskClient, world: World,
                                                   portal_app: Flask,
                                                   settings: Settings) -> None:
    """Streaming means the status line is sent before the end is verified: damage found
    later must break the transfer off, never finish it with bytes that failed their check."""
    content = _marked_file(200 * 1024)
    code = _report_with(client, world.unit_id, "ledger.bin", content)
    attachment = _clean_copy(portal_app)
    path = FileStore(settings.storage_dir).path(attachment.stored_name)
    damaged = bytearray(path.read_bytes())
    damaged[9 + 2 * (65536 + 16) + 100] ^= 1  # inside the third segment
    path.write_bytes(bytes(damaged))
    follow_up(client, code)
    response = client.get(f"/case/attachments/{attachment.id}")
    assert response.status_code == 200
    assert response.headers["Content-Length"] == str(len(content))
    received = bytearray()

    def take_all() -> None:
        for chunk in response.response:
            received.extend(chunk)

    with pytest.raises(InvalidCiphertext):
        take_all()
    assert len(received) < len(content)
    assert bytes(received) == content[:len(received)]
