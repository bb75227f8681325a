"""Leaving a handler out of a case, and taking them back in, with four eyes (security finding
14): one handler could exclude every co-handler alone and keep the case to themselves.

Leaving *oneself* out (a conflict of interest one declares) happens at once: it only takes
access away from the one who asks. Leaving *someone else* out is asked for by one holder of
the case and done when another holder, neither the one who asked nor the one it is about,
approves. The same holds for taking a person back in (a mistaken exclusion): two people,
audited. Only exclusions recorded by handlers can be reversed; a person the reporter left out
stays out.

When an exclusion is done, the excluded person and the group-level handlers are told by a
content-free mail (after the commit), so it cannot happen silently.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from config import Settings
from portal.approvals import request_approval, take_approval
from portal.audit import Actor, record_event
from portal.cases.access_grants import case_holder_ids, exclude_user, grant_case
from portal.cases.handling import HandlerCase
from portal.models import CaseExclusion, OrgUnit, UnitMembership, User
from portal.notifications import ACCESS_CHANGED, Notice, queue_notice
from portal.refusals import N_, Refusal
from portal.serverkeys import ServerKeys
from portal.states import ActorKind, ApprovalKind, AuditAction


def _as_actor(user: User) -> Actor:
    return Actor(ActorKind.USER, user.id)


def ask_to_exclude(db: Session, settings: Settings, keys: ServerKeys, *, opened: HandlerCase,
                   actor: User, excluded: User) -> bool:
    """Leave `excluded` out of the case: at once when it is the actor themselves (True), else
    as a request another holder must approve (False)."""
    if excluded.id == actor.id:
        exclude_user(db, keys, opened=opened, actor=actor, excluded=excluded)
        _tell(db, settings, excluded)
        return True
    if excluded.id not in case_holder_ids(db, opened.case.id):
        raise Refusal(N_("Choose a person who holds this case."))
    request_approval(db, keys, _as_actor(actor), kind=ApprovalKind.CASE_EXCLUSION,
                     subject=excluded, case_id=opened.case.id)
    return False


def ask_to_reinstate(db: Session, keys: ServerKeys, *, opened: HandlerCase, actor: User,
                     person: User) -> None:
    """Ask to take a person a handler left out back into the case (another holder decides)."""
    recorded = db.scalar(select(CaseExclusion.id).where(
        CaseExclusion.case_id == opened.case.id, CaseExclusion.user_id == person.id))
    if recorded is None:
        raise Refusal(N_("Only a person a handler left out can be taken back in."))
    request_approval(db, keys, _as_actor(actor), kind=ApprovalKind.CASE_REINSTATEMENT,
                     subject=person, case_id=opened.case.id)


def decide(db: Session, settings: Settings, keys: ServerKeys, *, opened: HandlerCase,
           approver: User, request_id: str, kind: ApprovalKind, approve: bool) -> User | None:
    """Another holder approves or rejects a request about this case; approved, it is carried
    out now, with the approver's keys. Returns the person concerned when carried out."""
    request = take_approval(db, keys, _as_actor(approver), request_id, kind=kind,
                            approve=approve, case_id=opened.case.id)
    if request is None:
        return None
    person = db.get(User, request.subject_id)
    if person is None:
        raise Refusal(N_("This request is no longer open."))
    if kind == ApprovalKind.CASE_EXCLUSION:
        exclude_user(db, keys, opened=opened, actor=approver, excluded=person)
    else:
        db.execute(delete(CaseExclusion).where(CaseExclusion.case_id == opened.case.id,
                                               CaseExclusion.user_id == person.id))
        db.flush()
        grant_case(db, keys, opened=opened, actor=approver, grantee=person)
        record_event(db, keys.audit, action=AuditAction.CASE_USER_REINSTATED,
                     actor_kind=ActorKind.USER, actor_id=approver.id, case_id=opened.case.id,
                     target_id=person.id)
    _tell(db, settings, person)
    return person


def group_handler_addresses(db: Session) -> tuple[str, ...]:
    """Enabled users in a group-level unit: those who must hear of changes of access."""
    return tuple(db.scalars(
        select(User.email).join(UnitMembership, UnitMembership.user_id == User.id)
        .join(OrgUnit, OrgUnit.id == UnitMembership.unit_id)
        .where(OrgUnit.is_group.is_(True), User.disabled.is_(False))
        .order_by(User.email).distinct()))


def _tell(db: Session, settings: Settings, person: User) -> None:
    addresses = {person.email, *group_handler_addresses(db)}
    queue_notice(db, settings, Notice(ACCESS_CHANGED, tuple(sorted(addresses))))
