"""Linking a report of retaliation to the earlier report it is about (issue 11 §7(c)).

The reporter is never asked for the earlier case's code, and no code is stored: a reporter
who says the report is about retaliation for an earlier report (the "retaliation" category)
leaves the rest to the handlers, who link the two cases by case id on the staff side. The
handler must be able to open both cases; a case they cannot open is refused with the same
words as one that does not exist, so the form reveals nothing. The link holds ids only,
is audited on both cases, and is shown to whoever can open the other case.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from portal.audit import record_event
from portal.cases.handling import HandlerCase, open_for_handler
from portal.cases.keys import holds_case
from portal.db import new_id, utcnow
from portal.models import CaseLink, User
from portal.refusals import N_, Refusal
from portal.serverkeys import ServerKeys
from portal.states import ActorKind
from portal.workplace_states import WorkplaceAction

CASE_ID_LENGTH = 32
NOT_OPENABLE = N_("There is no case with that id that you can open.")


def _normalise(case_id: str) -> str:
    value = case_id.strip().lower()
    if len(value) != CASE_ID_LENGTH or any(char not in "0123456789abcdef" for char in value):
        raise Refusal(NOT_OPENABLE)
    return value


def link_earlier_case(db: Session, keys: ServerKeys, *, opened: HandlerCase, user: User,
                      private_key: bytes, earlier_case_id: str) -> CaseLink:
    """Link the opened case (the report of retaliation) to an earlier case the user can open."""
    earlier_id = _normalise(earlier_case_id)
    case = opened.case
    if earlier_id == case.id:
        raise Refusal(N_("A case cannot be linked to itself."))
    if open_for_handler(db, earlier_id, user, private_key) is None:
        raise Refusal(NOT_OPENABLE)
    taken = db.scalar(select(CaseLink.id).where(CaseLink.case_id == case.id,
                                                CaseLink.earlier_case_id == earlier_id))
    if taken is not None:
        raise Refusal(N_("The cases are already linked."))
    link = CaseLink(id=new_id(), case_id=case.id, earlier_case_id=earlier_id, linked_by=user.id,
                    created_at=utcnow())
    db.add(link)
    db.flush()
    # On both cases, so each case's trail shows it.
    for on_case, other in ((case.id, earlier_id), (earlier_id, case.id)):
        record_event(db, keys.audit, action=WorkplaceAction.CASE_LINKED,
                     actor_kind=ActorKind.USER, actor_id=user.id, case_id=on_case,
                     target_id=other)
    return link


def unlink(db: Session, keys: ServerKeys, *, opened: HandlerCase, user: User,
           link_id: str) -> None:
    """Remove a link of the opened case (either end) whose other case the user holds too;
    audited on both cases."""
    case_id = opened.case.id
    link = db.scalar(select(CaseLink).where(
        CaseLink.id == link_id,
        or_(CaseLink.case_id == case_id, CaseLink.earlier_case_id == case_id)))
    other = None if link is None else (
        link.earlier_case_id if link.case_id == case_id else link.case_id)
    if link is None or other is None or not holds_case(db, other, user.id):
        raise Refusal(N_("That link does not exist."))
    for on_case, other in ((link.case_id, link.earlier_case_id),
                           (link.earlier_case_id, link.case_id)):
        record_event(db, keys.audit, action=WorkplaceAction.CASE_UNLINKED,
                     actor_kind=ActorKind.USER, actor_id=user.id, case_id=on_case,
                     target_id=other)
    db.delete(link)
    db.flush()


@dataclass(frozen=True)
class LinkedCase:
    link_id: str
    case_id: str
    # True: the other case is the earlier report; False: it reports retaliation for this one.
    earlier: bool


def links_of(db: Session, case_id: str, user_id: str) -> list[LinkedCase]:
    """The links of a case whose other end `user_id` holds a key of. The others are not
    even counted: a handler left out of a report of retaliation (it may be about them) must
    not learn from the earlier case that one exists."""
    rows = db.scalars(select(CaseLink).where(
        or_(CaseLink.case_id == case_id, CaseLink.earlier_case_id == case_id))
        .order_by(CaseLink.created_at, CaseLink.id)).all()
    shown = []
    for row in rows:
        earlier = row.case_id == case_id
        other = row.earlier_case_id if earlier else row.case_id
        if holds_case(db, other, user_id):
            shown.append(LinkedCase(row.id, other, earlier))
    return shown
