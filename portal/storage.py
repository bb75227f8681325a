"""The file store for encrypted attachments: opaque random names, owner-only permissions.

Files hold only ciphertext (crypto.stream). Names are random, so a listing of the store says
nothing about cases. A failed submission removes what it wrote; `sweep` removes leftovers a
crash may have left (files no row refers to).
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from flask import Flask, current_app

_EXTENSION_KEY = "aktsom.file_store"
_NAME_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"


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

    def create(self, name: str) -> BinaryIO:
        path = self.path(name)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        return os.fdopen(fd, "wb")

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
        return removed


def init_file_store(app: Flask, root: Path) -> None:
    app.extensions[_EXTENSION_KEY] = FileStore(root)


def file_store(app: Flask | None = None) -> FileStore:
    store: FileStore = (app or current_app).extensions[_EXTENSION_KEY]
    return store
