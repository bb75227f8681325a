"""The file store for encrypted attachments: opaque random names, owner-only permissions.

Files hold only ciphertext (crypto.stream). Names are random, so a listing of the store says
nothing about cases. A failed submission removes what it wrote; `sweep` removes leftovers a
crash may have left (files no row refers to).

Durability (issue 15 §9): a file is fsynced, and so is the directory that names it, when it is
closed, which is before the commit that shows the reporter a code. Without that a power cut
after the commit could keep a case whose files never reached the disk. A store that cannot be
written (full, read-only, gone) raises `StoreUnavailable`, so the request rolls back and the
reporter is told, with what they typed kept.
"""

from __future__ import annotations

import errno
import os
import secrets
import shutil
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from flask import Flask, current_app

from crypto import SPOOL_PREFIX, StreamSpool

STORE_EXTENSION = "aktsom.file_store"
_COPY_SIZE = 1024 * 1024
_NAME_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
# Failures that say "the store cannot take this now", not "the code is wrong".
STORE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM,
                           errno.EIO, errno.ENOENT})


class StoreUnavailable(OSError):
    """The file store cannot be written (full, read-only, missing). Says nothing more: the
    path would name a stored file."""


def fsync_directory(path: Path) -> None:
    """Make the entries of directory `path` (a file just created or renamed) durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def store_errors() -> Iterator[None]:
    """Turn an OSError of the store's kind into `StoreUnavailable` (no path in it)."""
    try:
        yield
    except StoreUnavailable:
        raise
    except OSError as error:
        if error.errno in STORE_ERRNOS:
            raise StoreUnavailable(error.errno, os.strerror(error.errno or 0)) from None
        raise


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def new_name(self) -> str:
        return "".join(secrets.choice(_NAME_ALPHABET) for _ in range(40)) + ".bin"

    def path(self, name: str) -> Path:
        # Names are ours, never user input; still, refuse anything that could leave the root.
        if "/" in name or "\\" in name or name.startswith(".") or not name.endswith(".bin"):
            raise ValueError("invalid stored name")
        return self.root / name[:2] / name

    @contextmanager
    def create(self, name: str) -> Iterator[BinaryIO]:
        """A new file `name`, written through the yielded handle, then fsynced with its
        directory (and a new shard directory with the root) before this returns."""
        path = self.path(name)
        with store_errors():
            if not path.parent.is_dir():
                path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                fsync_directory(self.root)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as target:
                yield target
                target.flush()
                os.fsync(target.fileno())
            fsync_directory(path.parent)

    def adopt(self, name: str, spool: StreamSpool) -> None:
        """Make the finished `spool` (crypto.StreamSpool) the stored file `name`: renamed into
        place when the spool lies on the store's file system, else its ciphertext copied as
        it is. Durable (file and directory fsynced) before this returns, as `create`."""
        path = self.path(name)
        with store_errors():
            if not path.parent.is_dir():
                path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                fsync_directory(self.root)
            if spool.link_into(str(path)):
                # As `create`: the file's data, then the entry that names it.
                spool.sync()
                fsync_directory(path.parent)
                return
        with self.create(name) as target:
            shutil.copyfileobj(spool.open_finished(), target, _COPY_SIZE)

    def spool_directory(self) -> str | None:
        """Where uploads are spooled (as ciphertext) so they can be renamed into the store
        without a copy: the store's own root, where `all_names` never lists them (`sweep`
        removes those a crash left). None when it cannot be made: the system's temp dir."""
        try:
            self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError:
            return None
        return str(self.root)

    def open(self, name: str) -> BinaryIO:
        return self.path(name).open("rb")

    def delete(self, name: str) -> None:
        self.path(name).unlink(missing_ok=True)

    def delete_all(self, names: Iterable[str]) -> None:
        for name in names:
            self.delete(name)

    def exists(self, name: str) -> bool:
        return self.path(name).exists()

    def all_names(self) -> list[str]:
        if not self.root.exists():
            return []
        return [path.name for path in self.root.glob("*/*.bin")]

    def sweep(self, referenced: set[str], older_than_seconds: float = 3600) -> list[str]:
        """Delete files no row refers to. Young files are spared: another app server may be
        in the middle of a submission that has not committed yet."""
        cutoff = time.time() - older_than_seconds
        removed = []
        for name in self.all_names():
            path = self.path(name)
            if name not in referenced and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                removed.append(name)
        if self.root.exists():
            # Upload spools a crash left behind (crypto.StreamSpool): ciphertext whose key
            # died with the process.
            for spool in self.root.glob(f"{SPOOL_PREFIX}*"):
                if spool.is_file() and spool.stat().st_mtime < cutoff:
                    spool.unlink(missing_ok=True)
                    removed.append(spool.name)
        return removed


def init_file_store(app: Flask, root: Path) -> None:
    app.extensions[STORE_EXTENSION] = FileStore(root)


def file_store(app: Flask | None = None) -> FileStore:
    store: FileStore = (app or current_app).extensions[STORE_EXTENSION]
    return store
