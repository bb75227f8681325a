"""Concerns told in person to a leader (issue 11 §7(b); AML §2A-6 routines name the nearest
leader as a way to report).

The leader registers the concern here instead of keeping it in their inbox or memory: the case
is made exactly as a submission makes it (routed to the company's handlers, sealed, with the
same legal clocks from the day of registration), the leader's account of what they were told
is sealed under the case key as minutes the reporter can read, confirm or correct with the
case code, and the reporter's name or contact details, if they want to be known, are sealed in
the answers as a web reporter's would be. A known reporter opens the working-environment task
(AML §2A-3(2)) like any other.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from config import Settings
from portal.audit import record_event
from portal.cases.dialogue import add_message
from portal.cases.minutes import RegisteredCase
from portal.cases.submission import NewReport, submit_report
from portal.db import utcnow
from portal.models import User
from portal.notifications import NEW_CASE, case_notice, queue_notice
from portal.refusals import N_, Refusal
from portal.serverkeys import ServerKeys
from portal.states import ActorKind, AuthorKind, Channel, KeyKind, MessageKind
from portal.storage import FileStore
from portal.workplace_states import WorkplaceAction


def register_leader_intake(db: Session, *, settings: Settings, server_keys: ServerKeys,
                           store: FileStore, user: User, report: NewReport, account: str,
                           now: datetime | None = None) -> RegisteredCase:
    """Make the case as a submission would and add the leader's account as minutes."""
    if report.channel != Channel.LEADER:
        raise ValueError("a leader intake has the leader channel")
    if not account.strip():
        raise Refusal(N_("Write down what you were told."))
    now = now or utcnow()
    submitted = submit_report(db, settings=settings, server_keys=server_keys, store=store,
                              report=report, uploads=[], now=now)
    case = submitted.case
    minutes = add_message(db, case=case, keys=submitted.keys, key_kind=KeyKind.CASE,
                          author_kind=AuthorKind.HANDLER, author_id=user.id, body=account,
                          kind=MessageKind.MINUTES, now=now)
    record_event(db, server_keys.audit, action=WorkplaceAction.CASE_LEADER_INTAKE,
                 actor_kind=ActorKind.USER, actor_id=user.id, case_id=case.id,
                 target_id=minutes.id, at=now)
    # Every handler of the case hears of it at once; the leader knows already.
    queue_notice(db, settings, case_notice(db, case.id, NEW_CASE, except_user_id=user.id))
    return RegisteredCase(case=case, code=submitted.code, minutes=minutes)
