"""The organisation recovery key at `aktsom init`, and the start-up sweep of the file store."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from crypto import format_recovery_sheet, generate_recovery_key, public_key_fingerprint
from portal.cases.keys import certify_recovery_key
from portal.db import new_id, session_factory, transaction
from portal.models import Attachment, RecoveryKey
from portal.serverkeys import ServerKeys
from portal.storage import file_store


def ensure_recovery_key(db: Session, keys: ServerKeys, organisation: str) -> str | None:
    """Make the recovery key on first run and return its sheet, or None if one exists.

    Only the public half is kept; the sheet is the one copy of the private half.
    """
    if db.scalar(select(RecoveryKey.id).limit(1)) is not None:
        return None
    pair = generate_recovery_key()
    recovery = RecoveryKey(
        id=new_id(),
        public_key=pair.public_bytes,
        certificate=b"",
        fingerprint=public_key_fingerprint(pair.public_bytes),
    )
    recovery.certificate = certify_recovery_key(keys, recovery)
    db.add(recovery)
    return format_recovery_sheet(pair, organisation, datetime.now(UTC).date().isoformat())


def sweep_file_store(app: Flask) -> int:
    """Remove files no attachment row refers to (left by a crash mid-submission)."""
    with transaction(session_factory(app)) as db:
        referenced = set(db.scalars(select(Attachment.stored_name)))
    return len(file_store(app).sweep(referenced))
