"""Records kept beside the server-keys file, outside the database: the audit anchors, the
mark that the first administrator exists and the mark that the key certificates of the first
release were upgraded.

A database writer can change neither, so they vouch for what the database cannot: that no
event was cut from the end of the audit chain, and that the one-time set-up link must never
work again (design §3). Both are written only after the transaction that justifies them has
committed: the services only note what to write (`note_*`), and portal.db's after-commit
queue writes it.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from flask import Flask
from sqlalchemy.orm import Session

from config import Settings
from portal.db import after_commit, on_rollback, session_factory

AUDIT_ANCHORS = "audit-anchors"
SETUP_DONE = "setup-done"
CERTIFICATES_UPGRADED = "certificates-upgraded"
_AUDIT_HEAD = "aktsom.audit_head"
_FIRST_ADMIN = "aktsom.first_admin_made"
_SETTINGS = "aktsom.outside_records.settings"

_log = logging.getLogger("aktsom.audit")


def anchors_file(settings: Settings) -> Path:
    return settings.server_keys_file.parent / AUDIT_ANCHORS


def setup_done_file(settings: Settings) -> Path:
    return settings.server_keys_file.parent / SETUP_DONE


def certificates_upgraded(settings: Settings) -> bool:
    """True once `aktsom init` replaced the first release's HMAC certification tags: from
    then on such a tag is never read again, even one planted in the database later."""
    return (settings.server_keys_file.parent / CERTIFICATES_UPGRADED).exists()


def mark_certificates_upgraded(settings: Settings) -> None:
    """Record outside the database that the certificate upgrade ran (call after its commit)."""
    _write_mark(settings.server_keys_file.parent / CERTIFICATES_UPGRADED,
                "key certificates upgraded to Ed25519")


def note_audit_head(db: Session, seq: int, mac: bytes) -> None:
    """Remember the newest event of this transaction; it becomes an anchor after the commit."""
    _queue_write(db, _AUDIT_HEAD, (seq, mac))


def note_first_admin(db: Session) -> None:
    """Close the set-up link for good once this transaction (which made an admin) commits."""
    _queue_write(db, _FIRST_ADMIN, True)


def append_anchor(path: Path, seq: int, mac: bytes) -> None:
    """Append `SEQ:MAC` to the anchors file and log it (a number and a MAC, never content).

    One short write with O_APPEND: lines of several workers never interleave mid-line.
    """
    line = f"{seq}:{mac.hex()}"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (line + "\n").encode("ascii"))
    finally:
        os.close(fd)
    _log.info("audit anchor %s", line)


def read_anchors(path: Path) -> list[tuple[int, bytes]]:
    """Every anchor in the file, in file order; a line that does not parse is returned as
    (seq 0, its bytes), which no event matches, so a damaged file is reported, not skipped."""
    try:
        text = path.read_text("ascii", errors="replace")
    except FileNotFoundError:
        return []
    anchors = []
    for line in text.splitlines():
        seq_text, _, mac_hex = line.strip().partition(":")
        try:
            anchors.append((int(seq_text), bytes.fromhex(mac_hex)))
        except ValueError:
            anchors.append((0, line.encode("ascii", errors="replace")))
    return anchors


def setup_is_done(settings: Settings) -> bool:
    """True once a first administrator was made: the set-up link is closed for good."""
    return setup_done_file(settings).exists()


def mark_setup_done(settings: Settings) -> None:
    """Record outside the database that an administrator exists (idempotent)."""
    _write_mark(setup_done_file(settings), "first administrator made")


def _write_mark(path: Path, what: str) -> None:
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(f"{what} by {datetime.now(UTC).isoformat()}\n")


def init_outside_records(app: Flask, settings: Settings) -> None:
    """Give this app's sessions the settings that say where the records live, so what a
    transaction noted is written after it commits (portal.db's after-commit queue)."""
    session_factory(app).configure(info={_SETTINGS: settings})


def _queue_write(db: Session, key: str, value: object) -> None:
    """Note `value` under `key`; the first note of a transaction queues the write."""
    first = key not in db.info
    db.info[key] = value
    if first:
        after_commit(db, partial(_write_noted, db, key))
        on_rollback(db, partial(db.info.pop, key, None))


def _write_noted(db: Session, key: str) -> None:
    value = db.info.pop(key, None)
    settings: Settings | None = db.info.get(_SETTINGS)
    if value is None or settings is None:
        return  # a session made outside an app (a test's own): nothing to write beside
    try:
        if key == _FIRST_ADMIN:
            mark_setup_done(settings)
        else:
            seq, mac = value
            append_anchor(anchors_file(settings), seq, mac)
    except OSError as error:
        # The commit stands; the next anchor (or `aktsom serve`) catches up.
        _log.warning("could not write beside the server-keys file: %s", error.strerror)
