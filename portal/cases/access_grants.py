"""Who may open a case: conflict-of-interest exclusion, grants between handlers, and
re-sharing cases from the recovery key (design §3).

Grants stop at the company boundary (issue 11 §3): a case is shared freely only with handlers
certified for its company or the group level. Going beyond needs a reason from a fixed list
(free text goes into a sealed internal note), tells the reporter in the case dialogue, in
their language and in general terms, and is recorded (`CaseBoundaryGrant`) and audited.
`aktsom recover` works one unit at a time unless told to take the whole organisation, and
shares beyond a unit's boundary only with a reason, under the same rules.

Access is cryptographic, not a flag: excluding someone deletes their key wraps and replaces
both case keys for everything written afterwards (portal.cases.rotation), so neither the
database nor an old backup of their wraps opens what follows; granting rewraps both case keys
to the grantee's certified public key. Who was left out (by the reporter at submission, or by
a handler since; portal.cases.exclusions) is honoured by every path that hands a case out
again.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from functools import partial

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, delete, or_, select
from sqlalchemy.orm import Session

from crypto import InvalidCiphertext, UserKeyPair, unwrap_case_key
from portal.audit import record_event
from portal.cases.assignees import end_assignment
from portal.cases.dialogue import add_message
from portal.cases.exclusions import excluded_user_ids, is_excluded
from portal.cases.handling import HandlerCase
from portal.cases.keyring import Keyring, unlock_keyring
from portal.cases.keys import (
    group_unit_ids,
    is_certified,
    recovery_recipient_id,
    wrap_context,
    wrap_for_user,
)
from portal.cases.reading import reporter_language
from portal.cases.rotation import rotate_case_keys
from portal.db import after_commit, checkpoint_wal
from portal.extensions import settings_of
from portal.key_directory import recovery_key_is_certified
from portal.models import (
    Case,
    CaseBoundaryGrant,
    CaseExclusion,
    CaseKeyWrap,
    Escalation,
    RecoveryKey,
    Role,
    User,
)
from portal.refusals import N_, Refusal
from portal.serverkeys import ServerKeys
from portal.states import (
    GRANT_REASON_REPORTER_TEXTS,
    ActorKind,
    AuditAction,
    AuthorKind,
    BoundaryAction,
    GrantReason,
    KeyKind,
    MessageKind,
    RecipientKind,
)

NOTE_MAX = 2000


def case_holder_ids(db: Session, case_id: str) -> list[str]:
    """Users holding the case key of `case_id`."""
    return list(db.scalars(select(CaseKeyWrap.recipient_id).where(
        CaseKeyWrap.case_id == case_id, CaseKeyWrap.key_kind == KeyKind.CASE,
        CaseKeyWrap.recipient_kind == RecipientKind.USER).order_by(CaseKeyWrap.recipient_id)))


def _share(db: Session, keys: ServerKeys, case: Case, user: User, ring: Keyring) -> None:
    """Give `user` both newest keys, replacing wraps made for an older key pair of theirs (a
    reset password makes a new pair, and the old wraps no longer open). The older keys reach
    them through the chain (portal.cases.keyring)."""
    db.execute(delete(CaseKeyWrap).where(CaseKeyWrap.case_id == case.id,
                                         CaseKeyWrap.recipient_id == user.id))
    db.add(wrap_for_user(case, user, KeyKind.CASE, ring.newest(KeyKind.CASE), keys=keys))
    db.add(wrap_for_user(case, user, KeyKind.STAFF, ring.newest(KeyKind.STAFF), keys=keys))
    db.flush()


def _check_recipient(keys: ServerKeys, user: User) -> None:
    if user.disabled or not user.has_role(Role.HANDLER):
        raise Refusal(N_("Cases can only be shared with an active case handler."))
    if not is_certified(keys, user, Role.HANDLER):
        # A key nobody approved may have been planted in the database, or a handler role
        # inserted as a row (design §3): the certificate must say "handler".
        raise Refusal(N_("This handler's key has not been approved by an "
                                 "administrator, so no case can be shared with them."))


def exclude_user(db: Session, keys: ServerKeys, *, opened: HandlerCase, actor: User,
                 excluded: User) -> None:
    """Leave `excluded` out of the case for a conflict of interest: delete their key wraps (both
    kinds) and their escalation wraps, replace both case keys for everything written from now
    on (portal.cases.rotation), and remember it so no grant or recovery undoes it.

    Refused, with nothing changed, when no other handler would hold the case or its keys
    cannot be replaced. On SQLite the write-ahead log, which still holds the deleted wraps,
    is checkpointed and truncated after the commit.
    """
    case = opened.case
    rotate_case_keys(db, keys, opened=opened, leaving={excluded.id})
    for escalation in db.scalars(select(Escalation).where(
            Escalation.case_id == case.id, Escalation.manager_id == excluded.id)):
        escalation.manager_wrap = None
    already = db.scalar(select(CaseExclusion.id).where(CaseExclusion.case_id == case.id,
                                                       CaseExclusion.user_id == excluded.id))
    if already is None:
        db.add(CaseExclusion(case_id=case.id, user_id=excluded.id, excluded_by=actor.id))
    record_event(db, keys.audit, action=AuditAction.CASE_USER_EXCLUDED, actor_kind=ActorKind.USER,
                 actor_id=actor.id, case_id=case.id, target_id=excluded.id)
    # Someone left out of the case can no longer be the one working it (issue 14 §8).
    end_assignment(db, keys.audit, case_id=case.id, user_id=excluded.id, actor_id=actor.id)
    db.flush()
    # The deleted wraps linger in SQLite's write-ahead log until a checkpoint (portal.db).
    after_commit(db, partial(checkpoint_wal, db.get_bind().engine))


def boundary_unit_ids(db: Session, case: Case) -> set[str]:
    """The units whose handlers may receive `case` without a recorded reason: its company
    and the group level."""
    units = set(group_unit_ids(db))
    if case.unit_id is not None:
        units.add(case.unit_id)
    return units


def within_boundary(db: Session, keys: ServerKeys, case: Case, user: User) -> bool:
    """Whether `user`'s certificate (not only the membership rows) names a unit of the case's
    boundary: a unit row written into the database does not move anyone inside."""
    return is_certified(keys, user, Role.HANDLER, boundary_unit_ids(db, case))


def _let_in_before(db: Session, case: Case, user: User) -> bool:
    return db.scalar(select(CaseBoundaryGrant.id).where(
        CaseBoundaryGrant.case_id == case.id, CaseBoundaryGrant.grantee_id == user.id)
        .limit(1)) is not None


def _beyond_reason(reason: str | None, note: str) -> GrantReason:
    if not reason:
        raise Refusal(N_("This handler works outside the case's company and the group level. "
                         "Sharing the case with them needs a reason, and the reporter is "
                         "told. Nothing was changed."))
    if reason not in set(GrantReason):
        raise Refusal(N_("This reason is not on the list."))
    chosen = GrantReason(reason)
    if chosen == GrantReason.OTHER and not note:
        raise Refusal(N_("Write down why the case is shared beyond its company."))
    if len(note) > NOTE_MAX:
        raise Refusal(N_("The note is too long."))
    return chosen


def reporter_boundary_note(language: str, reason: GrantReason) -> str:
    """What the reporter reads in the dialogue, in their language: the fact and the reason in
    general terms, never the person or the handler's words."""
    with force_locale(language):
        return str(_("Your case has been shared with a case handler outside the company "
                     "concerned and outside the group's central case handling, because "
                     "%(reason)s. This person can now read your report and this dialogue.",
                     reason=str(GRANT_REASON_REPORTER_TEXTS[reason])))


def _share_beyond(db: Session, keys: ServerKeys, case: Case, ring: Keyring, grantee: User, *,
                  actor: User | None, reason: GrantReason, note: str) -> None:
    """Share beyond the boundary: the keys, a sealed note of the reason, the reporter's
    message, the record and the audit event, in one transaction."""
    _share(db, keys, case, grantee, ring)
    note_id = None
    if note:
        note_id = add_message(db, case=case, keys=ring, key_kind=KeyKind.STAFF,
                              author_kind=AuthorKind.HANDLER if actor else AuthorKind.SYSTEM,
                              author_id=actor.id if actor else None, body=note,
                              kind=MessageKind.NOTE).id
    language = reporter_language(case, ring) or settings_of().default_language
    told = add_message(db, case=case, keys=ring, key_kind=KeyKind.CASE,
                       author_kind=AuthorKind.SYSTEM, author_id=actor.id if actor else None,
                       body=reporter_boundary_note(language, reason))
    db.add(CaseBoundaryGrant(case_id=case.id, grantee_id=grantee.id,
                             granted_by=actor.id if actor else None, reason=reason,
                             note_id=note_id, reporter_message_id=told.id))
    record_event(db, keys.audit,
                 action=(BoundaryAction.CASE_GRANTED_BEYOND_COMPANY if actor
                         else BoundaryAction.CASE_RECOVERED_BEYOND_COMPANY),
                 actor_kind=ActorKind.USER if actor else ActorKind.SYSTEM,
                 actor_id=actor.id if actor else None, case_id=case.id, target_id=grantee.id)
    db.flush()


def grant_case(db: Session, keys: ServerKeys, *, opened: HandlerCase, actor: User,
               grantee: User, reason: str | None = None, note: str = "") -> bool:
    """Share the case with another handler: both keys rewrapped to their certified key.

    Within the company boundary (the case's company and the group level) that is all;
    beyond it a `reason` from `GrantReason` is needed (OTHER with a `note`), and the reporter
    is told. Returns True when the case went beyond its company."""
    _check_recipient(keys, grantee)
    if is_excluded(db, opened.case, opened.keys, grantee.id):
        raise Refusal(N_("This case cannot be shared with this person."))
    note = note.strip()
    if within_boundary(db, keys, opened.case, grantee) or (
            not reason and _let_in_before(db, opened.case, grantee)):
        # Inside the boundary; or let in from outside before, with a reason the reporter was
        # told (taken back in after an exclusion, a new key pair): nothing new to tell.
        _share(db, keys, opened.case, grantee, opened.keys)
        record_event(db, keys.audit, action=AuditAction.CASE_GRANTED, actor_kind=ActorKind.USER,
                     actor_id=actor.id, case_id=opened.case.id, target_id=grantee.id)
        return False
    chosen = _beyond_reason(reason, note)
    _share_beyond(db, keys, opened.case, opened.keys, grantee, actor=actor, reason=chosen,
                  note=note)
    return True


def grantable_handlers(db: Session, keys: ServerKeys, opened: HandlerCase,
                       actor: User) -> list[tuple[User, bool]]:
    """Handlers the actor may share the case with (for the form's choices), each with
    whether they are beyond the company boundary (a reason is then needed)."""
    excluded = excluded_user_ids(db, opened.case, opened.keys)
    users = db.scalars(select(User).where(User.disabled.is_(False), User.id != actor.id)
                       .order_by(User.name, User.id)).all()
    return [(user, not within_boundary(db, keys, opened.case, user)) for user in users
            if is_certified(keys, user, Role.HANDLER) and user.id not in excluded]


class RecoveryKeyMismatch(ValueError):
    """The sheet's key is not a recovery key of this installation."""


@dataclass(frozen=True)
class RecoveryResult:
    shared: int
    skipped_excluded: int
    unreadable: int
    # Cases beyond the recipient's company boundary left alone for want of a reason.
    skipped_boundary: int = 0
    # Of `shared`, those that went beyond the boundary with a reason (the reporter was told).
    shared_beyond: int = 0


def _recovery_keys_for(db: Session, keys: ServerKeys, pair: UserKeyPair) -> list[RecoveryKey]:
    """This installation's recovery keys (active or retired) that match the sheet."""
    found = [row for row in db.scalars(select(RecoveryKey))
             if row.public_key == pair.public_bytes and recovery_key_is_certified(keys, row)]
    if not found:
        raise RecoveryKeyMismatch("the recovery sheet does not match this installation")
    return found


def recover_all_cases(db: Session, keys: ServerKeys, *, pair: UserKeyPair, to_user: User,
                      unit_ids: Collection[str] | None = None,
                      include_unassigned: bool = True,
                      reason: GrantReason | None = None) -> RecoveryResult:
    """Re-share the cases the recovery key can open to `to_user` (design §3): those of
    `unit_ids`, and with `include_unassigned` those of no company ("don't know", read by the
    group level); `unit_ids=None` is the whole organisation (the console asks for it
    explicitly, `aktsom recover --all-units`).

    Cases the user was excluded from (by the reporter or a handler) are skipped: recovery
    restores access, it does not override a conflict of interest. A case beyond the user's
    company boundary is shared only with a `reason`, which tells its reporter (as a grant
    does); without one it is skipped and counted.
    """
    _check_recipient(keys, to_user)
    scope: ColumnElement[bool] | None = None
    if unit_ids is not None:
        scope = Case.unit_id.in_(list(unit_ids))
        if include_unassigned:
            scope = or_(scope, Case.unit_id.is_(None))
    by_case: dict[str, dict[KeyKind, bytes]] = {}
    for recovery in _recovery_keys_for(db, keys, pair):
        recipient = recovery_recipient_id(recovery)
        # Only wraps of each case's current generation: the older keys follow from the chain.
        query = (select(CaseKeyWrap.case_id, CaseKeyWrap.key_kind, CaseKeyWrap.generation,
                        CaseKeyWrap.blob)
                 .join(Case, Case.id == CaseKeyWrap.case_id)
                 .where(CaseKeyWrap.recipient_id == recipient,
                        CaseKeyWrap.generation == Case.key_generation))
        if scope is not None:
            query = query.where(scope)
        for case_id, key_kind, generation, blob in db.execute(query).all():
            try:
                key = unwrap_case_key(blob, pair.private_bytes, recipient_id=recipient,
                                      case_id=wrap_context(case_id, key_kind, generation))
            except InvalidCiphertext:
                continue
            by_case.setdefault(case_id, {})[key_kind] = key
    shared = skipped = unreadable = outside = beyond = 0
    for case_id, case_keys in sorted(by_case.items()):
        case = db.get(Case, case_id)
        if case is None or KeyKind.CASE not in case_keys or KeyKind.STAFF not in case_keys:
            unreadable += 1
            continue
        ring = unlock_keyring(db, case.id, case.key_generation, case_keys)
        if is_excluded(db, case, ring, to_user.id):
            skipped += 1
            continue
        if within_boundary(db, keys, case, to_user):
            _share(db, keys, case, to_user, ring)
            record_event(db, keys.audit, action=AuditAction.CASE_RECOVERED,
                         actor_kind=ActorKind.SYSTEM, case_id=case_id, target_id=to_user.id)
        elif reason is None:
            outside += 1
            continue
        else:
            _share_beyond(db, keys, case, ring, to_user, actor=None, reason=reason, note="")
            beyond += 1
        shared += 1
    return RecoveryResult(shared=shared, skipped_excluded=skipped, unreadable=unreadable,
                          skipped_boundary=outside, shared_beyond=beyond)
