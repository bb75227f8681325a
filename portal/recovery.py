"""The organisation recovery key at `aktsom init`, and the start-up sweep of the file store."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from crypto import format_recovery_sheet, generate_recovery_key, public_key_fingerprint
from portal.db import new_id, session_factory, transaction
from portal.key_directory import certify_recovery_key
from portal.models import Attachment, Case, RecoveryKey
from portal.refusals import Refusal
from portal.serverkeys import ServerKeys
from portal.storage import file_store

RECOVERY_KEY_LOST = (
    "Cases exist but the database holds no recovery key: it was deleted, or the database was "
    "restored without it. A new key would not open those cases and would hide the loss, so "
    "none is made. Restore the recovery_keys table from a backup and run `aktsom init` again. "
    "Only if the old key is known to be gone for good, run `aktsom init --new-recovery-key "
    "--recovery-sheet PATH`: the new sheet opens cases made from then on, not the existing "
    "ones (their handlers still can)."
)


def recovery_key_needed(db: Session, *, replace_lost: bool = False) -> bool:
    """True when no recovery key exists yet (first run).

    Refuses when cases exist without one (finding 8): a database writer may have deleted the
    row to make `aktsom init`, run at every deploy, print a new sheet into the deploy log.
    `replace_lost` is the operator's explicit decision to make a new one all the same.
    """
    if db.scalar(select(RecoveryKey.id).limit(1)) is not None:
        return False
    if not replace_lost and db.scalar(select(Case.id).limit(1)) is not None:
        raise Refusal(RECOVERY_KEY_LOST)
    return True


def ensure_recovery_key(db: Session, keys: ServerKeys, organisation: str, *,
                        replace_lost: bool = False) -> str | None:
    """Make the recovery key on first run and return its sheet, or None if one exists.

    Only the public half is kept; the sheet is the one copy of the private half.
    """
    if not recovery_key_needed(db, replace_lost=replace_lost):
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
