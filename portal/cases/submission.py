"""Submitting a case (web form, or registered by a handler) and opening it again with the
case code. Services take a Session and never commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from config import Settings
from crypto import (
    InvalidCaseCode,
    InvalidCiphertext,
    case_lookup_id,
    derive_key,
    generate_case_code,
    make_reporter_key,
    new_case_key,
    open_reporter_key,
)
from portal.argon2_costs import argon2_params
from portal.audit import record_event
from portal.cases.attachments import Upload, UploadNotice, store_uploads
from portal.cases.clocks import initial_due_dates, meeting_due_after, refresh_next_due
from portal.cases.keyring import Keyring
from portal.cases.keys import (
    Routing,
    active_recovery_key,
    certify_reporter_key,
    open_reporter_keys,
    route_case,
    wrap_for_recovery,
    wrap_for_reporter,
    wrap_for_user,
)
from portal.cases.references import allocate_reference
from portal.cases.sealing import ANSWERS, seal_json
from portal.cases.work_environment import open_check
from portal.db import new_id, utcnow
from portal.deadlines import start_of_day
from portal.models import Case, RecoveryKey
from portal.notifications import NEW_CASE, case_notice, queue_notice
from portal.serverkeys import ServerKeys
from portal.states import (
    ActorKind,
    AuditAction,
    CaseStatus,
    Channel,
    KeyKind,
)
from portal.storage import FileStore


class ChannelNotReady(RuntimeError):
    """No certified handler or recovery key could receive the case: nothing was stored."""


@dataclass
class NewReport:
    category: str
    human_rights: bool
    unit_id: str | None
    description: str
    language: str
    supplier: str = ""
    location: str = ""
    period: str = ""
    contact: str = ""
    meeting_requested: bool = False
    excluded_user_ids: set[str] = field(default_factory=set)
    channel: Channel = Channel.WEB
    # The reporter's choice to keep the uncleaned originals for the handlers (unticked).
    keep_originals: bool = False


@dataclass
class SubmittedCase:
    """The new case, its code (shown once, never stored) and the keys made for it, so a
    caller that adds to the case (oral registration) needs no second Argon2id."""

    case: Case
    code: str
    notices: list[UploadNotice]
    keys: Keyring


def submit_report(
    db: Session,
    *,
    settings: Settings,
    server_keys: ServerKeys,
    store: FileStore,
    report: NewReport,
    uploads: list[Upload],
    now: datetime | None = None,
    routed: tuple[Routing, RecoveryKey | None] | None = None,
) -> SubmittedCase:
    """Create the case with everything sealed and wrapped (issue 4 §3).

    `routed` is the routing and recovery key the caller has already read in this transaction
    (the report form's routing table, issue 15: the same answers as `route_case` and
    `active_recovery_key`); without it they are read here. Either way every wrap checks its
    recipient's certificate itself.

    Files are written before the commit and recorded on the session, so they are removed
    unless it commits. A web report queues the staff notice (held back when configured),
    sent only after the commit. The code is returned, never stored.
    """
    if report.channel not in set(Channel):
        raise ValueError("unknown channel")
    if routed is None:
        routing = route_case(db, server_keys, report.unit_id, report.excluded_user_ids)
        recovery = active_recovery_key(db, server_keys)
    else:
        routing, recovery = routed
    if not routing.handlers or recovery is None:
        raise ChannelNotReady("no certified recipient")
    now = now or utcnow()
    case_id = new_id()
    case_key, staff_key = new_case_key(), new_case_key()
    code = generate_case_code()
    answers = {
        "category": report.category,
        "unit_id": report.unit_id,
        "supplier": report.supplier,
        "location": report.location,
        "period": report.period,
        "description": report.description,
        "contact": report.contact,
        "meeting_requested": report.meeting_requested,
        "excluded_user_ids": sorted(report.excluded_user_ids),
        # Sealed, not clear (security finding 11): the language narrows down who wrote, and
        # the minute of receipt can be matched to who was at a computer then.
        "language": report.language,
        "received_at": now.isoformat(),
    }
    # The due dates come from the exact time; the clear column keeps only its day.
    ack_due, feedback_due = initial_due_dates(now, settings)
    # The reporter's key pair: the one Argon2id of the submission (the code re-creates it).
    reporter_key, reporter_pair = make_reporter_key(code, argon2_params(settings.argon2),
                                                    case_id=case_id)
    case = Case(
        id=case_id,
        unit_id=report.unit_id,
        category=report.category,
        human_rights=report.human_rights,
        channel=report.channel,
        status=CaseStatus.NEW,
        routed_to_group=routing.routed_to_group,
        created_at=start_of_day(now),
        acknowledgement_due_at=ack_due, feedback_due_at=feedback_due, next_due_at=ack_due,
        lookup_id=case_lookup_id(server_keys.pepper, code),
        reporter_key=reporter_key,
        reporter_key_certificate=certify_reporter_key(server_keys, case_id,
                                                      reporter_pair.public_bytes),
        key_generation=0,
        sealed_answers=seal_json(case_key, case_id=case_id, item_id=case_id, kind=ANSWERS,
                                 value=answers),
        reference=allocate_reference(db, report.unit_id, now),
    )
    if report.meeting_requested:
        # The meeting clock of Art. 9(2) starts with the request (issue 11 §1).
        case.meeting_due_at = meeting_due_after(now, settings)
        refresh_next_due(case)
    db.add(case)
    wraps = [wrap_for_user(case, user, kind, key, keys=server_keys)
             for user in routing.handlers
             for kind, key in ((KeyKind.CASE, case_key), (KeyKind.STAFF, staff_key))]
    wraps += [wrap_for_recovery(case, recovery, KeyKind.CASE, case_key),
              wrap_for_recovery(case, recovery, KeyKind.STAFF, staff_key),
              wrap_for_reporter(case, case_key, keys=server_keys)]
    for wrap in wraps:
        wrap.created_at = case.created_at  # made by the submission: the day only, as the case
        db.add(wrap)
    db.flush()
    keys = Keyring.of(case_id, case_key, staff_key)
    notices = store_uploads(db, store, settings, keys, uploads, message_id=None, now=now,
                            keep_originals=report.keep_originals)
    record_event(db, server_keys.audit, action=AuditAction.CASE_SUBMITTED,
                 actor_kind=ActorKind.REPORTER, case_id=case_id)
    if report.contact.strip():
        # A known reporter: the employer must check their working environment (AML §2A-3(2)).
        open_check(db, server_keys, case)
    if report.channel == Channel.WEB:
        # Caused by a reporter: may be held back so mail logs do not date the report.
        # Oral registration tells the other handlers itself (portal.cases.minutes).
        queue_notice(db, settings, case_notice(db, case_id, NEW_CASE), hold=True)
    return SubmittedCase(case=case, code=code, notices=notices, keys=keys)


def open_case_with_code(
    db: Session, *, settings: Settings, server_keys: ServerKeys, code: str
) -> tuple[Case, Keyring] | None:
    """The case and the reporter's keys of it (the case key of every generation) for a case
    code, or None. Every failure costs one Argon2id derivation, so a wrong code cannot be
    told from a right one by timing; so does success (the code re-creates the reporter's key
    pair, which opens their wrap of the newest case key)."""
    try:
        lookup = case_lookup_id(server_keys.pepper, code)
    except InvalidCaseCode:
        lookup = None
    case = db.scalar(select(Case).where(Case.lookup_id == lookup)) if lookup else None
    if case is None:
        derive_key(b"\0" * 20, b"\0" * 16, argon2_params(settings.argon2))
        return None
    try:
        pair = open_reporter_key(case.reporter_key, code, case_id=case.id)
    except (InvalidCiphertext, InvalidCaseCode):
        return None
    keys = open_reporter_keys(db, case, pair.private_bytes)
    return None if keys is None else (case, keys)
