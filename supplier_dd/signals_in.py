"""What the supplier module hears from `portal` (portal.signals): a substantiated human-rights
breach in a case linked to a supplier opens a contract review (issue 12 §6 a).

The receiver runs inside the sender's transaction and writes through the sender's session, so
the review commits with the outcome or not at all. The staff app connects it when it mounts
the supplier blueprint (`admin.init_blueprints` calls `connect_receivers`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from portal.serverkeys import ServerKeys
from portal.signals import breach_substantiated
from supplier_dd.models import Supplier
from supplier_dd.models.reviews import ReviewTrigger
from supplier_dd.reviews import open_review


def on_breach_substantiated(db: Session, *, keys: ServerKeys, supplier_id: str, case_id: str,
                            **_extra: Any) -> None:
    """Open (once) the review of the linked supplier; a free reference that names no supplier
    of the register opens nothing (the case page shows it as unmatched)."""
    if db.get(Supplier, supplier_id) is None:
        return
    open_review(db, keys, supplier_id=supplier_id, trigger=ReviewTrigger.BREACH,
                case_id=case_id)


def connect_receivers() -> None:
    """Idempotent: blinker keeps one connection per receiver."""
    breach_substantiated.connect(on_breach_substantiated)



