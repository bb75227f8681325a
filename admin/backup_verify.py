"""After a restore: open every case with the recovery sheet, and every file of it (issue 15 §9).

A backup is only as good as the cases it gives back. Each case's keys of its current
generation are unwrapped from the recovery key's envelopes, the older generations follow from
the key chain, and every stored file is decrypted to its end (each segment authenticated) under
the key it was sealed with. Nothing is written and no content leaves this function: it counts.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from crypto import InvalidCiphertext, UserKeyPair, unwrap_case_key
from portal.cases.keyring import unlock_keyring
from portal.cases.keys import recovery_recipient_id, wrap_context
from portal.cases.sealing import read_attachment
from portal.models import Attachment, Case, CaseKeyWrap, RecoveryKey
from portal.states import KeyKind
from portal.storage import FileStore

_READ = 1 << 20


@dataclass(frozen=True)
class VerifiedBackup:
    cases: int
    cases_opened: int
    files: int
    files_opened: int

    @property
    def complete(self) -> bool:
        return self.cases == self.cases_opened and self.files == self.files_opened


def open_every_case(db: Session, store: FileStore, pair: UserKeyPair) -> VerifiedBackup:
    """Open every case and every stored file with the recovery key `pair`."""
    recipients = [recovery_recipient_id(row) for row in db.scalars(select(RecoveryKey))
                  if row.public_key == pair.public_bytes]
    cases = list(db.scalars(select(Case)))
    opened = files = files_opened = 0
    for case in cases:
        newest: dict[KeyKind, bytes] = {}
        wraps = db.execute(select(CaseKeyWrap.key_kind, CaseKeyWrap.recipient_id,
                                  CaseKeyWrap.blob)
                           .where(CaseKeyWrap.case_id == case.id,
                                  CaseKeyWrap.recipient_id.in_(recipients),
                                  CaseKeyWrap.generation == case.key_generation)).all()
        for kind, recipient, blob in wraps:
            try:
                newest[kind] = unwrap_case_key(
                    blob, pair.private_bytes, recipient_id=recipient,
                    case_id=wrap_context(case.id, kind, case.key_generation))
            except InvalidCiphertext:
                continue
        attachments = list(db.scalars(select(Attachment).where(Attachment.case_id == case.id)))
        files += len(attachments)
        if KeyKind.CASE not in newest:
            continue
        opened += 1
        ring = unlock_keyring(db, case.id, case.key_generation, newest)
        for attachment in attachments:
            key = ring.key(attachment.key_kind, attachment.key_generation)
            if key is not None and _reads_to_the_end(store, key, attachment):
                files_opened += 1
    return VerifiedBackup(cases=len(cases), cases_opened=opened, files=files,
                          files_opened=files_opened)


def _reads_to_the_end(store: FileStore, key: bytes, attachment: Attachment) -> bool:
    try:
        with read_attachment(store, key, attachment) as reader:
            while reader.read(_READ):
                pass
    except (InvalidCiphertext, OSError):
        return False
    return True
