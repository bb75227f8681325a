"""Replacing a case's keys when someone is left out of it (design §3, exclusion and rotation).

Deleting a person's wraps is not enough: a backup of the database taken before still holds
them, and with their private key they open the case key and the staff key, which would seal
everything written afterwards too. So an exclusion starts a new key generation: a new case
key and a new staff key for everything written from then on, wrapped to the remaining
handlers, the recovery key and the reporter (whose public key the case code made at
submission), and never to the person left out. Each old key is sealed under its successor
(portal.cases.keyring), so the remaining readers still open the whole case. Escalations still
open to their manager get a new key too (portal.cases.escalations.rekey_escalations).

A handler whose request opened the previous generation before this commit may still write an
item under it (the race of two transactions); docs/crypto.md §5 lists it.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from crypto import new_case_key
from portal.cases.escalations import rekey_escalations
from portal.cases.handling import HandlerCase
from portal.cases.keyring import seal_link
from portal.cases.keys import (
    active_recovery_key,
    certified_reporter_key,
    is_certified,
    wrap_for_recovery,
    wrap_for_reporter,
    wrap_for_user,
)
from portal.key_directory import certify_reporter_key_again
from portal.models import CaseKeyWrap, Role, User
from portal.refusals import N_, Refusal
from portal.serverkeys import ServerKeys
from portal.states import KeyKind, RecipientKind

NOBODY_ELSE = N_("Nobody else holds this case. Share it with another handler before leaving "
                 "this person out.")
KEYS_NOT_REPLACED = N_("The keys of this case could not be replaced (its recovery key or the "
                       "reporter's key failed its check), so nobody was left out. Ask an "
                       "administrator to check the installation.")


def remaining_holders(db: Session, keys: ServerKeys, case_id: str,
                      leaving: set[str]) -> list[User]:
    """The users who hold the case now, except `leaving`, whose key is certified: the ones
    the new generation is wrapped to. A holder whose key awaits approval is dropped; a grant
    gives them the case again once it is approved."""
    holder_ids = set(db.scalars(select(CaseKeyWrap.recipient_id).where(
        CaseKeyWrap.case_id == case_id, CaseKeyWrap.key_kind == KeyKind.CASE,
        CaseKeyWrap.recipient_kind == RecipientKind.USER))) - leaving
    if not holder_ids:
        return []
    users = db.scalars(select(User).where(User.id.in_(holder_ids)).order_by(User.id)).all()
    return [user for user in users if is_certified(keys, user, Role.HANDLER)]


def rotate_case_keys(db: Session, keys: ServerKeys, *, opened: HandlerCase,
                     leaving: set[str]) -> HandlerCase:
    """Start a new key generation of `opened.case` that `leaving` does not receive.

    Refused, before anything changes, when no other certified handler would hold the case,
    or when the recovery key or the reporter's key cannot be checked (a new generation
    without them would lock them out of what follows). Returns the case opened with the new
    ring, which also holds every older key. Never commits.
    """
    case = opened.case
    holders = remaining_holders(db, keys, case.id, leaving)
    if not holders:
        raise Refusal(NOBODY_ELSE)
    recovery = active_recovery_key(db, keys)
    reporter_public = certified_reporter_key(keys, case)
    if recovery is None or reporter_public is None:
        raise Refusal(KEYS_NOT_REPLACED)
    # A reporter key a verify-only portal vouched for with a tag gets its certificate here.
    case.reporter_key_certificate = certify_reporter_key_again(
        keys, case.id, reporter_public, case.reporter_key_certificate)
    newest = {KeyKind.CASE: new_case_key(), KeyKind.STAFF: new_case_key()}
    ring = opened.keys.succeeded_by(newest)
    for kind, key in newest.items():
        db.add(seal_link(case.id, kind, ring.generation, key=key,
                         previous=opened.keys.newest(kind)))
    # Every wrap of the old generation goes, the leaving person's with the rest: nobody
    # writes under the old keys again.
    db.execute(delete(CaseKeyWrap).where(CaseKeyWrap.case_id == case.id))
    case.key_generation = ring.generation
    for kind, key in newest.items():
        db.add_all([wrap_for_user(case, user, kind, key, keys=keys) for user in holders])
        db.add(wrap_for_recovery(case, recovery, kind, key))
    db.add(wrap_for_reporter(case, newest[KeyKind.CASE], keys=keys))
    rekey_escalations(db, keys, case=case, ring=ring, leaving=leaving)
    db.flush()
    return HandlerCase(case=case, keys=ring)
