"""Four eyes (security finding 14): changes that let somebody read cases, or keep somebody
out of one, are asked for by one person and carried out only when a second, different
person approves.

* **Key authority**: a signed-in administrator who gives a key more to receive (the handler
  or manager role, another unit, a new account that receives cases, or approving a key) only
  asks; a second administrator's approval has the certificate issued, for exactly what was
  asked. Narrowing is never held up. The operator at the console, who holds the server keys,
  stays the trusted path and is not asked (design §6).
* **Exclusion** of another handler from a case, and taking an excluded person back in: asked
  for by one holder of the case, done when another holder approves.

Nobody approves their own request, nor a request about themselves. Every request, approval
and rejection is audited; decided requests are deleted.
"""

from __future__ import annotations

import json

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from crypto import KeyAuthority
from portal.audit import Actor, record_event
from portal.models import PendingApproval, User
from portal.refusals import N_, Refusal
from portal.serverkeys import ServerKeys
from portal.states import ApprovalKind, AuditAction


def encode_authority(authority: KeyAuthority) -> str:
    return json.dumps({"roles": sorted(authority.roles), "units": sorted(authority.units)})


def decode_authority(text: str | None) -> KeyAuthority:
    value = json.loads(text or "{}")
    return KeyAuthority.of(value.get("roles", []), value.get("units", []))


def request_approval(db: Session, keys: ServerKeys, actor: Actor, *, kind: ApprovalKind,
                     subject: User, case_id: str | None = None,
                     authority: KeyAuthority | None = None) -> PendingApproval:
    """Ask for a change; an open request of the same kind about the same person (and case)
    is replaced, so what waits is always the latest ask."""
    if actor.id is None:
        raise ValueError("only a signed-in person asks for approval")
    db.execute(delete(PendingApproval).where(
        PendingApproval.kind == kind, PendingApproval.subject_id == subject.id,
        PendingApproval.case_id.is_(None) if case_id is None
        else PendingApproval.case_id == case_id))
    request = PendingApproval(kind=kind, subject_id=subject.id, case_id=case_id,
                              authority=encode_authority(authority) if authority else None,
                              requested_by=actor.id)
    db.add(request)
    db.flush()
    record_event(db, keys.audit, action=AuditAction.APPROVAL_REQUESTED, actor_kind=actor.kind,
                 actor_id=actor.id, case_id=case_id, target_id=subject.id)
    return request


def pending(db: Session, kind: ApprovalKind, *, case_id: str | None = None,
            subject_id: str | None = None) -> list[PendingApproval]:
    """Open requests of `kind` (for one case, or about one person), oldest first."""
    query = select(PendingApproval).where(PendingApproval.kind == kind)
    if case_id is not None:
        query = query.where(PendingApproval.case_id == case_id)
    if subject_id is not None:
        query = query.where(PendingApproval.subject_id == subject_id)
    return list(db.scalars(query.order_by(PendingApproval.requested_at, PendingApproval.id)))


def may_decide(request: PendingApproval, actor: Actor) -> bool:
    """A second pair of eyes: neither the one who asked nor the one it is about."""
    return actor.id is not None and actor.id not in (request.requested_by, request.subject_id)


def take_approval(db: Session, keys: ServerKeys, actor: Actor, request_id: str, *,
                  kind: ApprovalKind, approve: bool,
                  case_id: str | None = None) -> PendingApproval | None:
    """Decide the open request `request_id` of `kind` (in `case_id`): audited and removed.
    Returns it when approved, for the caller to carry out; None when rejected."""
    request = db.get(PendingApproval, request_id)
    if request is None or request.kind != kind or request.case_id != case_id:
        raise Refusal(N_("This request is no longer open."))
    if not may_decide(request, actor):
        raise Refusal(N_("A second person must decide this: not the one who asked, and not "
                         "the one it is about."))
    db.delete(request)
    db.flush()
    record_event(db, keys.audit,
                 action=AuditAction.APPROVAL_GRANTED if approve else AuditAction.APPROVAL_REJECTED,
                 actor_kind=actor.kind, actor_id=actor.id, case_id=case_id,
                 target_id=request.subject_id)
    return request if approve else None
