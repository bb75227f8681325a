"""The information requests' part of `aktsom notify-deadlines` and `aktsom purge`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from config import Settings
from portal.db import transaction
from portal.information import service
from portal.notifications import queue_outbox, release_pending
from portal.serverkeys import ServerKeys


def remind_information_requests(factory: sessionmaker[Session], settings: Settings,
                                keys: ServerKeys, now: datetime) -> str:
    """Remind the compliance officers once of requests due within five days (or overdue):
    committed to the outbox first, marked only once the mail went out."""
    with transaction(factory) as db:
        request_ids, notice = service.reminders(db, keys, now=now)
        if not request_ids or not notice.recipients:
            return "No information request needs a reminder."
        queue_outbox(db, notice, now)
    with transaction(factory) as db:
        mails = release_pending(db, settings, now, kind=notice.kind)
        if mails == 0:
            return "Sending the information-request reminder failed; the next run tries again."
        service.mark_requests_reminded(db, request_ids, now)
    return (f"Reminded {mails} compliance officers of {len(request_ids)} information "
            "requests.")


def purge_information_requests(factory: sessionmaker[Session], settings: Settings,
                               now: datetime, *, dry_run: bool) -> str:
    with transaction(factory) as db:
        purged = service.purge_closed(db, now=now,
                                      keep_days=settings.information_request_retention_days)
        if dry_run:
            db.rollback()
            return f"Would destroy what {purged} closed information requests held."
    return (f"Destroyed what {purged} closed information requests held; their dates and "
            "status remain for the figures.")
