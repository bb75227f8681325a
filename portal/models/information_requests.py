"""Information requests under the Transparency Act §6–7: anyone may ask a company how it
handles adverse impacts in its supply chain, and must have a written answer in time.

What the requester wrote (name, contact details, question) and what compliance answers are
sealed under a key of the request wrapped to each compliance officer (and the recovery key),
as a report's content is; the clear columns are the clock and the status only.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import ID, Base, new_id, utcnow


class InformationRequest(Base):
    __tablename__ = "information_requests"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    # Shown to the requester to quote in writing; random, says nothing of order or volume.
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    # The company asked (None: the group as a whole).
    unit_id: Mapped[str | None] = mapped_column(
        ForeignKey("org_units.id", ondelete="SET NULL"), index=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Three weeks after receipt (§7 second paragraph); later only by a timely extension.
    due_at: Mapped[datetime] = mapped_column(index=True)
    # The extended deadline (at most two months after receipt) and when the requester was told.
    extended_to: Mapped[datetime | None]
    extension_noticed_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), index=True)
    # A statutory ground (states.RefusalGround) when refused.
    refusal_ground: Mapped[str | None] = mapped_column(String(30))
    closed_at: Mapped[datetime | None]
    # How the answer reaches the requester: "email" or "postal" (states.ContactKind).
    contact_kind: Mapped[str] = mapped_column(String(10))
    # Whether a name was given (anonymous requests are allowed); the name itself is sealed.
    named: Mapped[bool] = mapped_column(Boolean, default=False)
    # Delivery of the last letter (answer, extension notice, refusal): states.Delivery.
    delivery: Mapped[str | None] = mapped_column(String(12))
    reminded_at: Mapped[datetime | None]
    # Sealed JSON: {"name", "contact", "question", "language"}.
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    # Sealed JSON list of letters sent: [{"kind", "text", "at"}].
    letters: Mapped[bytes | None] = mapped_column(LargeBinary)


class InformationRequestWrap(Base):
    """The request's key wrapped (HPKE) to one compliance officer or the recovery key."""

    __tablename__ = "information_request_wraps"
    __table_args__ = (UniqueConstraint("request_id", "recipient_id"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    request_id: Mapped[str] = mapped_column(
        ForeignKey("information_requests.id", ondelete="CASCADE"), index=True)
    recipient_id: Mapped[str] = mapped_column(String(64))
    blob: Mapped[bytes] = mapped_column(LargeBinary)
