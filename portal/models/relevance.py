"""Relevance and identity beside a case (issue 11 §8; Directive Art. 16, 17): the reporter's
name given in confidence, the record of each item removed as irrelevant, and each disclosure
of the reporter's identity to an authority.

Clear columns are metadata only (ids, dates, reason and basis codes). The name, the free-text
authority and every note are sealed under the case's staff key, which the case code never
opens (portal.cases.identity, portal.cases.redaction).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import ID, Base, new_id, utcnow
from portal.models.columns import state_column
from portal.states import DisclosureBasis, NotificationWithheld, RedactedItem, RedactionReason


class CaseIdentity(Base):
    """The name of a reporter who chose "confidential with my name". A case without this row
    was reported anonymously; its existence is the one clear fact the figures count."""

    __tablename__ = "case_identities"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         primary_key=True)
    # Which generation of the staff key seals the name (0: sealed at submission).
    key_generation: Mapped[int] = mapped_column(Integer, default=0)
    sealed_name: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)  # the day only


class CaseRedaction(Base):
    """One item of a case removed as manifestly irrelevant (Art. 17): who, when, which item
    and why. The item's own row now holds a sealed tombstone; its content is gone."""

    __tablename__ = "case_redactions"
    __table_args__ = (UniqueConstraint("item_id", name="uq_case_redactions_item"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    item_kind: Mapped[RedactedItem] = mapped_column(state_column(RedactedItem, 20))
    item_id: Mapped[str] = mapped_column(String(32))
    reason: Mapped[RedactionReason] = mapped_column(state_column(RedactionReason, 30))
    redacted_by: Mapped[str | None] = mapped_column(String(32))
    redacted_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The handler's optional note, sealed under the staff key of `key_generation`.
    key_generation: Mapped[int] = mapped_column(Integer, default=0)
    sealed_note: Mapped[bytes | None] = mapped_column(LargeBinary)


class IdentityDisclosure(Base):
    """The reporter's identity disclosed to an authority (Art. 16(2)), and whether they were
    told (Art. 16(3)) or why not."""

    __tablename__ = "identity_disclosures"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    legal_basis: Mapped[DisclosureBasis] = mapped_column(state_column(DisclosureBasis, 30))
    disclosed_on: Mapped[datetime]  # the day of the disclosure (UTC midnight)
    recorded_by: Mapped[str | None] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    reporter_notified: Mapped[bool] = mapped_column(Boolean, default=False)
    notified_at: Mapped[datetime | None]
    # Set when the reporter is not told; cleared when they are told later.
    withheld_reason: Mapped[NotificationWithheld | None] = mapped_column(
        state_column(NotificationWithheld, 30))
    # The authority (chosen from the configured list or written in) and the handler's note,
    # sealed as one JSON item under the staff key of `key_generation`.
    key_generation: Mapped[int] = mapped_column(Integer, default=0)
    sealed_details: Mapped[bytes] = mapped_column(LargeBinary)
