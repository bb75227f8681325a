"""Case access follows unit membership: a user taken out of an org unit loses its cases.

Access is cryptographic (design §3): whoever holds a wrap of a case's keys can open the case,
whatever their memberships say. So removing a membership also deletes the user's wraps (case
key and staff key) for the cases of that unit, unless another membership the user keeps still
entitles them to the case. Cases of other units, shared with the user by a grant, stay.

A case "belongs" to its own unit and, when it was routed to the group level (the reporter's
exclusions left no handler of the unit, or no unit was chosen), to the group units too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from portal.audit import record_event
from portal.cases.assignees import end_assignment
from portal.db import after_commit, checkpoint_wal
from portal.models import Case, CaseKeyWrap, OrgUnit, User
from portal.serverkeys import ServerKeys
from portal.states import ActorKind, AuditAction, KeyKind, RecipientKind


@dataclass(frozen=True)
class AccessLoss:
    """What a change of memberships would take from a user: the cases whose wraps go, and how
    many of them no other enabled user holds (only the recovery key could share them again)."""

    case_ids: tuple[str, ...]
    sole_holder: int

    @property
    def cases(self) -> int:
        return len(self.case_ids)


NO_LOSS = AccessLoss(case_ids=(), sole_holder=0)


def _units_of(case: Case, group_ids: set[str]) -> set[str]:
    units = {case.unit_id} if case.unit_id else set()
    return units | group_ids if case.routed_to_group else units


def access_lost(db: Session, user: User, new_unit_ids: Iterable[str]) -> AccessLoss:
    """The cases `user` would no longer be entitled to with memberships `new_unit_ids`."""
    remaining = set(new_unit_ids)
    removed = user.unit_ids - remaining
    if not removed:
        return NO_LOSS
    group_ids = set(db.scalars(select(OrgUnit.id).where(OrgUnit.is_group.is_(True))))
    held = db.scalars(
        select(Case).where(Case.id.in_(
            select(CaseKeyWrap.case_id).where(CaseKeyWrap.recipient_id == user.id)))
        .order_by(Case.id)
    ).all()
    lost = []
    for case in held:
        units = _units_of(case, group_ids)
        if units & removed and not units & remaining:
            lost.append(case.id)
    if not lost:
        return NO_LOSS
    others = set(db.scalars(
        select(CaseKeyWrap.case_id).join(User, User.id == CaseKeyWrap.recipient_id)
        .where(CaseKeyWrap.case_id.in_(lost), CaseKeyWrap.key_kind == KeyKind.CASE,
               CaseKeyWrap.recipient_kind == RecipientKind.USER,
               CaseKeyWrap.recipient_id != user.id, User.disabled.is_(False))
    ))
    return AccessLoss(case_ids=tuple(lost), sole_holder=sum(c not in others for c in lost))


def withdraw_access(db: Session, keys: ServerKeys, *, actor_kind: ActorKind, actor_id: str | None,
                    user: User, loss: AccessLoss) -> int:
    """Delete `user`'s wraps (both keys) of the cases in `loss`; one audit event per case.

    On SQLite the write-ahead log still holds the deleted envelopes until a checkpoint copies
    it into the database file (where `secure_delete` has zeroed them), so one is run after the
    commit. Returns the number of cases.

    Unlike an exclusion, this does not replace the cases' keys (portal.cases.rotation): a new
    generation seals the old keys under the new ones, so it needs the case keys, which the
    administrator changing memberships never holds. A backup of the user's wraps therefore
    still opens what is written later in these cases (docs/crypto.md §5, finding 6); a
    handler who must keep someone out excludes them from the case.
    """
    if not loss.case_ids:
        return 0
    db.execute(delete(CaseKeyWrap).where(CaseKeyWrap.case_id.in_(loss.case_ids),
                                         CaseKeyWrap.recipient_id == user.id))
    for case_id in loss.case_ids:
        record_event(db, keys.audit, action=AuditAction.CASE_ACCESS_WITHDRAWN,
                     actor_kind=actor_kind, actor_id=actor_id, case_id=case_id,
                     target_id=user.id)
        # Without the key they cannot be the case's assignee either (issue 14 §8).
        end_assignment(db, keys.audit, case_id=case_id, user_id=user.id, actor_id=actor_id,
                       actor_kind=actor_kind)
    after_commit(db, partial(checkpoint_wal, db.get_bind().engine))
    return loss.cases
