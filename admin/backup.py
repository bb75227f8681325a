"""`aktsom backup` / `aktsom restore`: database, file store and server keys in one file,
consistent, encrypted to the organisation's recovery key (issue 15 §9).

What is consistent: the database is copied as one snapshot (SQLite's online backup API;
PostgreSQL's `pg_dump --snapshot` of a snapshot exported by a transaction that also lists the
stored files), and the backup holds exactly the files that snapshot refers to. Stored files
are never changed in place (a new name per write, portal.storage), and a file is fsynced
before the commit that refers to it, so every file the snapshot names exists unless a later
purge removed it; that case stops the backup ("run it again") instead of writing a backup
with a case whose files are missing.

File layout (``BACKUP_VERSION``)::

    magic (14) | backup id (16) | envelope length (4, big-endian) | envelope
    then a crypto.stream stream (AES-256-GCM segments) of a tar archive:
    manifest.json, database.sqlite3 or database.pgdump, server-keys.json, storage/xx/*.bin

The 32-byte backup key is wrapped to the recovery public key with the case-key envelope
(HPKE ML-KEM-768+X25519, crypto.envelopes) bound to the backup id, and the whole header is the
stream's associated data: only the recovery sheet opens a backup, and a header moved to
another backup fails. The archive is produced and encrypted in one pass through a pipe, so
no plaintext archive is ever written; the database snapshot itself waits in the instance
directory beside the live database (which holds the same bytes) and is removed at the end.
A restore decrypts into a staging directory and installs nothing until the whole stream has
passed its authentication.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sqlite3
import struct
import subprocess
import tarfile
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, BinaryIO, cast

from sqlalchemy import Engine, create_engine, inspect, select, text
from sqlalchemy.engine import make_url

from config import Settings
from crypto import (
    InvalidCiphertext,
    UserKeyPair,
    encrypt_stream,
    iter_decrypt_stream,
    public_key_fingerprint,
    unwrap_case_key,
    wrap_case_key,
)
from portal.models import Attachment, RecoveryKey
from portal.storage import FileStore, fsync_directory

BACKUP_MAGIC = b"AKTSOM-BACKUP\x01"
BACKUP_VERSION = 1
_ID_SIZE = 16
_DATABASE_SQLITE = "database.sqlite3"
_DATABASE_PGDUMP = "database.pgdump"
_SERVER_KEYS = "server-keys.json"
_MANIFEST = "manifest.json"
_STORAGE = "storage"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why, never key material."""


@dataclass(frozen=True)
class BackupSummary:
    backend: str
    files: int
    size: int


def _envelope_context(backup_id: bytes) -> str:
    return f"backup:{backup_id.hex()}"


def _recipient(public_key: bytes) -> str:
    return f"recovery:{public_key_fingerprint(public_key)}"


def _active_recovery_public_key(engine: Engine) -> bytes:
    with engine.connect() as connection:
        row = connection.execute(
            select(RecoveryKey.public_key).where(RecoveryKey.active.is_(True))
            .order_by(RecoveryKey.created_at.desc())).first()
    if row is None:
        raise BackupError("there is no recovery key yet: run `aktsom init` first")
    return bytes(row[0])


def _pg_url(url: str) -> str:
    """The SQLAlchemy URL as libpq takes it (pg_dump, pg_restore)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _program(name: str) -> str:
    """PostgreSQL's client tool `name`; its major version must not be older than the server's."""
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is needed for PostgreSQL (apt-get install postgresql-client)")
    return found


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


@contextmanager
def _scratch(settings: Settings) -> Iterator[Path]:
    """A private directory beside the live data (same disk, same protection)."""
    settings.instance_dir.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=".backup-", dir=settings.instance_dir))
    os.chmod(path, 0o700)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextmanager
def _database_snapshot(settings: Settings, engine: Engine,
                       scratch: Path) -> Iterator[tuple[str, Path, list[str]]]:
    """The database copied as one snapshot, and the stored names that snapshot refers to."""
    names_query = select(Attachment.stored_name)
    if engine.dialect.name == "sqlite":
        target = scratch / _DATABASE_SQLITE
        source = sqlite3.connect(_sqlite_path(settings.database_url))
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # the online backup API: a consistent copy while serving
        finally:
            source.close()
            copy.close()
        snapshot = create_engine(f"sqlite:///{target}")
        try:
            with snapshot.connect() as connection:
                names = list(connection.scalars(names_query))
        finally:
            snapshot.dispose()
        yield _DATABASE_SQLITE, target, names
        return
    if engine.dialect.name != "postgresql":
        raise BackupError(f"backups of {engine.dialect.name} are not supported")
    target = scratch / _DATABASE_PGDUMP
    with engine.connect() as connection:
        connection.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
        snapshot_id = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
        names = list(connection.scalars(names_query))
        # pg_dump reads the very snapshot the names came from, while this transaction holds it.
        result = subprocess.run(  # noqa: S603 (fixed program, arguments ours)
            [_program("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
             f"--snapshot={snapshot_id}", f"--file={target}", _pg_url(settings.database_url)],
            capture_output=True, check=False)
        connection.rollback()
    if result.returncode != 0:
        raise BackupError("pg_dump failed: " + result.stderr.decode(errors="replace")[-500:])
    yield _DATABASE_PGDUMP, target, names


def write_backup(settings: Settings, engine: Engine, store: FileStore, out: Path) -> BackupSummary:
    """Write a consistent, encrypted backup of everything Aktsom keeps to `out`."""
    public_key = _active_recovery_public_key(engine)
    backup_id = secrets.token_bytes(_ID_SIZE)
    key = secrets.token_bytes(32)
    envelope = wrap_case_key(key, public_key, case_id=_envelope_context(backup_id),
                             recipient_id=_recipient(public_key))
    header = BACKUP_MAGIC + backup_id + struct.pack(">I", len(envelope)) + envelope
    with _scratch(settings) as scratch, \
            _database_snapshot(settings, engine, scratch) as (member, database, names):
        missing = [name for name in names if not store.exists(name)]
        if missing:
            raise BackupError(f"{len(missing)} stored files were removed while the backup ran "
                              "(a purge?): run the backup again")
        manifest = {"format": BACKUP_VERSION, "backend": engine.dialect.name,
                    "database": member, "files": len(names),
                    "created": datetime.now(UTC).isoformat(timespec="seconds"),
                    "server_keys": settings.server_keys_file.exists()}

        def produce(sink: IO[bytes]) -> None:
            with tarfile.open(fileobj=sink, mode="w|") as archive:
                _add_bytes(archive, _MANIFEST, json.dumps(manifest).encode())
                archive.add(database, arcname=member)
                if settings.server_keys_file.exists():
                    archive.add(settings.server_keys_file, arcname=_SERVER_KEYS)
                for name in names:
                    archive.add(store.path(name), arcname=f"{_STORAGE}/{name[:2]}/{name}")

        partial = out.with_name(out.name + ".partial")
        try:
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as target:
                target.write(header)
                _encrypt_from_producer(produce, target, key, header)
                target.flush()
                os.fsync(target.fileno())
            os.replace(partial, out)
            fsync_directory(out.resolve().parent)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return BackupSummary(backend=engine.dialect.name, files=len(names), size=out.stat().st_size)


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    archive.addfile(info, _BytesReader(data))


class _BytesReader:
    def __init__(self, data: bytes) -> None:
        self._view = memoryview(data)

    def read(self, size: int = -1) -> bytes:
        size = len(self._view) if size < 0 else size
        chunk, self._view = self._view[:size], self._view[size:]
        return bytes(chunk)


def _encrypt_from_producer(produce: Any, target: BinaryIO, key: bytes, aad: bytes) -> None:
    """Run `produce(sink)` in a thread and encrypt what it writes as it comes (a pipe), so no
    plaintext archive exists anywhere."""
    read_fd, write_fd = os.pipe()
    failure: list[BaseException] = []

    def run() -> None:
        try:
            with os.fdopen(write_fd, "wb") as sink:
                produce(sink)
        except BaseException as error:  # noqa: BLE001 (re-raised in the caller's thread)
            failure.append(error)

    worker = threading.Thread(target=run, name="aktsom-backup-archive")
    worker.start()
    try:
        with os.fdopen(read_fd, "rb") as source:
            encrypt_stream(source, target, key, aad)
    finally:
        worker.join()
    if failure:
        raise failure[0]


def read_header(source: BinaryIO) -> tuple[bytes, bytes, bytes]:
    """The backup id, the envelope and the whole header (the stream's associated data)."""
    start = source.read(len(BACKUP_MAGIC) + _ID_SIZE + 4)
    if len(start) != len(BACKUP_MAGIC) + _ID_SIZE + 4 or not start.startswith(BACKUP_MAGIC):
        raise BackupError("this is not an Aktsom backup (or of a format this version can't read)")
    backup_id = start[len(BACKUP_MAGIC):len(BACKUP_MAGIC) + _ID_SIZE]
    (length,) = struct.unpack(">I", start[-4:])
    if length > 1 << 16:
        raise BackupError("the backup's header is damaged")
    envelope = source.read(length)
    if len(envelope) != length:
        raise BackupError("the backup's header is damaged")
    return backup_id, envelope, start + envelope


class _PlaintextReader:
    """The verified plaintext of a backup stream as a file object for tarfile's stream mode."""

    def __init__(self, segments: Iterator[bytes]) -> None:
        self._segments = segments
        self._pending = b""

    def read(self, size: int = -1) -> bytes:
        parts, wanted = [], size
        while wanted != 0:
            if not self._pending:
                self._pending = next(self._segments, b"")
                if not self._pending:
                    break
            take = len(self._pending) if wanted < 0 else min(wanted, len(self._pending))
            parts.append(self._pending[:take])
            self._pending = self._pending[take:]
            if wanted > 0:
                wanted -= take
        return b"".join(parts)

    def drain(self) -> None:
        """Read to the end, so the final segment's authentication is checked too."""
        for _ in self._segments:
            pass


def unpack_backup(path: Path, pair: UserKeyPair, staging: Path) -> dict[str, Any]:
    """Decrypt and verify the whole backup into `staging`; returns its manifest."""
    with path.open("rb") as source:
        backup_id, envelope, header = read_header(source)
        try:
            key = unwrap_case_key(envelope, pair.private_bytes,
                                  case_id=_envelope_context(backup_id),
                                  recipient_id=_recipient(pair.public_bytes))
        except InvalidCiphertext:
            raise BackupError("this recovery sheet does not open this backup") from None
        reader = _PlaintextReader(iter_decrypt_stream(source, key, header))
        try:
            with tarfile.open(fileobj=cast(IO[bytes], reader), mode="r|") as archive:
                for member in archive:
                    archive.extract(member, staging, filter="data")
            reader.drain()
        except InvalidCiphertext:
            raise BackupError("the backup is damaged or was altered; nothing was restored") \
                from None
    manifest_path = staging / _MANIFEST
    if not manifest_path.exists():
        raise BackupError("the backup has no manifest; nothing was restored")
    manifest: dict[str, Any] = json.loads(manifest_path.read_text("utf-8"))
    if manifest.get("format") != BACKUP_VERSION:
        raise BackupError("this backup is of a format this version can't read")
    return manifest


def _has_tables(engine: Engine) -> bool:
    return bool(inspect(engine).get_table_names())


def install_backup(settings: Settings, engine: Engine, store: FileStore, staging: Path,
                   manifest: dict[str, Any], *, replace: bool) -> int:
    """Put the unpacked backup in place: database, stored files, server keys."""
    backend = engine.dialect.name
    if manifest.get("backend") != backend:
        raise BackupError(f"this backup is of a {manifest.get('backend')} database; the "
                          f"configured database is {backend}")
    if _has_tables(engine) and not replace:
        raise BackupError("the configured database is not empty: restore into a new one, or "
                          "give --replace to overwrite it")
    keys_file = staging / _SERVER_KEYS
    if keys_file.exists():
        current = settings.server_keys_file
        if current.exists() and current.read_bytes() != keys_file.read_bytes() and not replace:
            raise BackupError("the server keys file differs from the backup's: give --replace "
                              "to install the backup's (the present one is kept beside it)")
    engine.dispose()
    database = staging / str(manifest["database"])
    if backend == "sqlite":
        source = sqlite3.connect(database)
        target = sqlite3.connect(_sqlite_path(settings.database_url))
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
    else:
        arguments = [_program("pg_restore"), "--no-owner", "--no-privileges",
                     "--single-transaction", "--exit-on-error",
                     f"--dbname={_pg_url(settings.database_url)}"]
        if replace:
            arguments += ["--clean", "--if-exists"]
        result = subprocess.run([*arguments, str(database)],  # noqa: S603 (fixed program)
                                capture_output=True, check=False)
        if result.returncode != 0:
            raise BackupError("pg_restore failed: "
                              + result.stderr.decode(errors="replace")[-500:])
    restored = 0
    for path in sorted((staging / _STORAGE).glob("*/*.bin")):
        target_path = store.path(path.name)
        target_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.replace(path, target_path)
        restored += 1
    for shard in {store.path(path.name).parent for path in store.root.glob("*/*.bin")}:
        fsync_directory(shard)
    if keys_file.exists():
        current = settings.server_keys_file
        if current.exists() and current.read_bytes() != keys_file.read_bytes():
            current.replace(current.with_name(current.name + ".before-restore"))
        current.parent.mkdir(parents=True, exist_ok=True)
        os.replace(keys_file, current)
        os.chmod(current, 0o600)
        fsync_directory(current.parent)
    return restored
