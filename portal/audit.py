"""The audit trail: append-only events in a keyed hash chain (design §3, issue 5 §7).

Each event's MAC is HMAC-SHA256(audit key, previous MAC ‖ the event's fields). The key lives
outside the database, so an attacker with the database alone can neither edit, delete, reorder
nor append events without `aktsom audit verify` noticing. The chain alone cannot show that its
newest events were cut off, so after every commit that appends events the new head is written
as an anchor beside the server-keys file (`portal.outside_records`), and `verify` checks them.
Events never hold content.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from config import Settings
from portal.db import utcnow
from portal.deadlines import start_of_day
from portal.models import AuditCheckpoint, AuditEvent
from portal.outside_records import anchors_file, append_anchor, note_audit_head
from portal.states import ActorKind, AuditActionCatalogue

_GENESIS = b"\0" * 32


@dataclass(frozen=True)
class Actor:
    """Who made a change, as the audit chain records it."""

    kind: ActorKind
    id: str | None = None


# The operator at the console (the `aktsom` commands): trusted, but recorded as such.
CONSOLE = Actor(ActorKind.SYSTEM, None)


def _event_mac(key: bytes, previous: bytes, event: AuditEvent) -> bytes:
    fields = [
        event.seq,
        event.at.isoformat(timespec="microseconds"),
        event.actor_kind,
        event.actor_id,
        event.action,
        event.case_id,
        event.target_id,
    ]
    message = previous + json.dumps(fields, separators=(",", ":")).encode()
    return hmac.new(key, message, hashlib.sha256).digest()


def record_event(
    db: Session,
    key: bytes,
    *,
    action: AuditActionCatalogue,
    actor_kind: ActorKind,
    actor_id: str | None = None,
    case_id: str | None = None,
    target_id: str | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Append one event.

    Appends are serialised until the transaction ends, so two requests never read the same
    chain head (which would fail one of them on the primary key, losing e.g. a report).
    """
    _serialise_appends(db)
    last = db.execute(
        select(AuditEvent.seq, AuditEvent.mac).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    seq, previous = (last[0] + 1, last[1]) if last else (1, _GENESIS)
    moment = at or utcnow()
    if actor_kind == "reporter":
        # Like every row a reporter causes, only the day (security finding 11).
        moment = start_of_day(moment)
    event = AuditEvent(
        seq=seq,
        at=moment,
        actor_kind=actor_kind,
        actor_id=actor_id,
        action=action,
        case_id=case_id,
        target_id=target_id,
        mac=b"",
    )
    event.mac = _event_mac(key, previous, event)
    db.add(event)
    db.flush()
    # Written outside the database after the commit: cutting this event later shows.
    note_audit_head(db, seq, event.mac)
    return event


# Any fixed number: the PostgreSQL advisory lock that orders audit appends.
_APPEND_LOCK = 0x616B74736F6D  # "aktsom"


def _serialise_appends(db: Session) -> None:
    """Hold the database's write lock before reading the chain head.

    PostgreSQL: a transaction-scoped advisory lock; the next append waits for this
    transaction's commit and then, under READ COMMITTED, reads the new head. SQLite: a write
    statement that changes nothing still takes the database's write lock, so the head read
    next cannot go stale before the commit.
    """
    dialect = db.get_bind().dialect.name
    if dialect == "postgresql":
        db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _APPEND_LOCK})
    elif dialect == "sqlite":
        db.execute(text("UPDATE audit_events SET seq = seq WHERE 1 = 0"))


@dataclass(frozen=True)
class ChainReport:
    events: int
    first_bad_seq: int | None
    # The last event's MAC: an "anchor" to note down outside the system (a ticket, a signed
    # mail). The chain alone cannot show that its newest events were cut off; an anchor can.
    head_mac: bytes | None = None
    # The first anchor written outside the database (`SEQ:MAC`) that the chain no longer
    # holds: events were cut from the end, or cut and replaced.
    cut_anchor: str | None = None
    # Events up to this one were found intact at `checked_at` and not walked again (0: the
    # whole chain was walked now).
    checked_up_to: int = 0
    checked_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.first_bad_seq is None and self.cut_anchor is None

    @property
    def anchor(self) -> str | None:
        return f"{self.events}:{self.head_mac.hex()}" if self.head_mac else None


def verify_chain(db: Session, key: bytes,
                 anchors: Iterable[tuple[int, bytes]] = ()) -> ChainReport:
    """Walk the chain in order; report the first event that does not fit, or else the first
    of `anchors` (from outside the database) that names an event the chain no longer holds."""
    return _walk(db, key, after_seq=0, previous=_GENESIS, anchors=anchors)


def _walk(db: Session, key: bytes, *, after_seq: int, previous: bytes,
          anchors: Iterable[tuple[int, bytes]] = ()) -> ChainReport:
    expected: dict[int, list[bytes]] = defaultdict(list)
    for anchor_seq, anchor_mac in anchors:
        expected[anchor_seq].append(anchor_mac)
    expected_seq = after_seq + 1
    count = after_seq
    query = select(AuditEvent).where(AuditEvent.seq > after_seq).order_by(AuditEvent.seq)
    for event in db.scalars(query):
        count += 1
        if event.seq != expected_seq or not hmac.compare_digest(
            event.mac, _event_mac(key, previous, event)
        ):
            return ChainReport(events=count, first_bad_seq=event.seq)
        for anchor_mac in expected.pop(event.seq, []):
            if not hmac.compare_digest(anchor_mac, event.mac):
                return ChainReport(events=count, first_bad_seq=None,
                                   cut_anchor=f"{event.seq}:{anchor_mac.hex()}")
        previous = event.mac
        expected_seq += 1
    if expected:
        # Anchors beyond the last event: the newest events are gone.
        seq = min(expected)
        return ChainReport(events=count, first_bad_seq=None,
                           cut_anchor=f"{seq}:{expected[seq][0].hex()}")
    return ChainReport(events=count, first_bad_seq=None,
                       head_mac=previous if count else None)


def _checkpoint_seal(key: bytes, seq: int, mac: bytes, checked_at: datetime) -> bytes:
    message = json.dumps(["checkpoint", seq, mac.hex(), checked_at.isoformat()]).encode()
    return hmac.new(key, message, hashlib.sha256).digest()


def _trusted_checkpoint(db: Session, key: bytes) -> AuditCheckpoint | None:
    """The newest checkpoint that is sealed under the audit key and whose event is still the
    one it names; anything else (forged, stale, pointing at an edited event) is ignored."""
    checkpoint = db.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1))
    if checkpoint is None or not hmac.compare_digest(
        checkpoint.seal,
        _checkpoint_seal(key, checkpoint.seq, checkpoint.mac, checkpoint.checked_at),
    ):
        return None
    stored = db.scalar(select(AuditEvent.mac).where(AuditEvent.seq == checkpoint.seq))
    if stored is None or not hmac.compare_digest(stored, checkpoint.mac):
        return None
    return checkpoint


def verify_since_checkpoint(db: Session, key: bytes, *, now: datetime | None = None,
                            whole: bool = False) -> ChainReport:
    """Check only the events after the last checkpoint (the whole chain when there is none or
    `whole`), then move the checkpoint to the head if all is intact.

    For the audit page, which an auditor may load often: its cost follows the new events,
    not the length of the log. Edits to events before the checkpoint show only in a whole
    check (the page offers one; `aktsom audit verify` always does one).
    """
    checkpoint = None if whole else _trusted_checkpoint(db, key)
    if checkpoint is None:
        report = verify_chain(db, key)
    else:
        report = _walk(db, key, after_seq=checkpoint.seq, previous=checkpoint.mac)
        report = replace(report, checked_up_to=checkpoint.seq,
                         checked_at=checkpoint.checked_at)
    if report.ok and report.head_mac is not None and (
            checkpoint is None or report.events > checkpoint.seq):
        moment = now or utcnow()
        db.execute(delete(AuditCheckpoint))
        db.add(AuditCheckpoint(seq=report.events, mac=report.head_mac, checked_at=moment,
                               seal=_checkpoint_seal(key, report.events, report.head_mac,
                                                     moment)))
    return report
def chain_head(db: Session) -> tuple[int, bytes] | None:
    """The newest event's number and MAC, to write as an anchor (`aktsom serve`, `init`)."""
    row = db.execute(
        select(AuditEvent.seq, AuditEvent.mac).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    return (row[0], row[1]) if row else None


def anchor_chain_head(db: Session, settings: Settings) -> str | None:
    """Write the newest event as an anchor now (`aktsom init`, `aktsom serve`), catching up
    on a commit whose anchor could not be written. Returns the problem, if any, to show."""
    head = chain_head(db)
    if head is None:
        return None
    try:
        append_anchor(anchors_file(settings), *head)
    except OSError as error:
        return f"could not write the audit anchor beside the server-keys file: {error.strerror}"
    return None


def anchor_holds(db: Session, anchor: str) -> bool:
    """True if the event an earlier anchor (`SEQ:MAC`) names is still there, unchanged.

    Together with an intact chain this shows nothing up to that event was removed or edited,
    including the newest events, which the chain alone cannot vouch for.
    """
    seq_text, _, mac_hex = anchor.partition(":")
    try:
        seq, mac = int(seq_text), bytes.fromhex(mac_hex)
    except ValueError:
        return False
    stored = db.scalar(select(AuditEvent.mac).where(AuditEvent.seq == seq))
    return stored is not None and hmac.compare_digest(stored, mac)


def event_count(db: Session) -> int:
    return int(db.scalar(select(func.count()).select_from(AuditEvent)) or 0)
