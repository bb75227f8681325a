"""Cases and their sealed items. Clear columns are the routing and statistics metadata only
(docs/crypto.md lists them); every answer, message and file is sealed per item."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import ID, Base, new_id, utcnow
from portal.models.columns import state_column
from portal.states import (
    AttachmentVariant,
    AuthorKind,
    CaseStatus,
    Channel,
    ClosingReason,
    KeyKind,
    MessageKind,
    Outcome,
    RecipientKind,
)


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    unit_id: Mapped[str | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    category: Mapped[str] = mapped_column(String(40), index=True)
    human_rights: Mapped[bool] = mapped_column(Boolean, default=False)
    channel: Mapped[Channel] = mapped_column(state_column(Channel, 20), default=Channel.WEB)
    # The reporter's language is sealed in the answers, not kept here (security finding 11).
    status: Mapped[CaseStatus] = mapped_column(state_column(CaseStatus, 20),
                                               default=CaseStatus.NEW, index=True)
    outcome: Mapped[Outcome | None] = mapped_column(state_column(Outcome, 30))
    human_rights_breach: Mapped[bool | None]
    # True when the reporter's exclusions left no handler of the unit: the group's handlers read it.
    routed_to_group: Mapped[bool] = mapped_column(Boolean, default=False)
    supplier_id: Mapped[str | None] = mapped_column(String(32))
    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    # The day of receipt (UTC midnight); the exact time is sealed in the answers. Times a
    # reporter causes are kept in clear at day precision only (security finding 11).
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    acknowledged_at: Mapped[datetime | None]
    feedback_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # Set when a case is closed without a feedback message (issue 11 §1); cleared on reopening.
    closing_reason: Mapped[ClosingReason | None] = mapped_column(state_column(ClosingReason, 30))
    # The two legal clocks, stored so a later change of the settings does not move a running
    # deadline. Set at submission; acknowledging restarts the feedback clock (portal.deadlines).
    acknowledgement_due_at: Mapped[datetime]
    feedback_due_at: Mapped[datetime]
    # The deadline the case waits for next, or portal.cases.clocks.NO_DEADLINE when none is
    # pending: the case list's sort key and its "overdue" filter, one indexed column on any
    # backend. Starts as the acknowledgement deadline; the handling services keep it current
    # (portal.cases.clocks.refresh_next_due) whenever a clock stops or restarts.
    next_due_at: Mapped[datetime]
    # When handlers were reminded of the coming acknowledgement deadline (once per case).
    acknowledgement_reminded_at: Mapped[datetime | None]
    feedback_reminded_at: Mapped[datetime | None]
    # The meeting the reporter asked for (Art. 9(2), issue 11 §1): due `meeting_days` after
    # the request (rounded up to a UTC midnight, as the other clocks), stopped by the minutes
    # of the meeting. NULL: no meeting asked for. Metadata only: the request itself is sealed.
    meeting_due_at: Mapped[datetime | None]
    meeting_held_at: Mapped[datetime | None]
    meeting_reminded_at: Mapped[datetime | None]
    # HMAC-SHA256(pepper, case code): the code itself is never stored.
    lookup_id: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    # The reporter's key record (crypto.make_reporter_key): Argon2 costs, salt and the public
    # half of the key pair the case code re-creates. The case key is wrapped to it, so a new
    # one reaches the reporter without the code. Certified like staff keys: a database writer
    # cannot put a key of their own in its place.
    reporter_key: Mapped[bytes] = mapped_column(LargeBinary)
    reporter_key_certificate: Mapped[bytes] = mapped_column(LargeBinary)
    # The generation of the case key and the staff key that new items are sealed under: 0 at
    # submission, one more at each exclusion (portal.cases.rotation). Wraps of other
    # generations are not opened.
    key_generation: Mapped[int] = mapped_column(Integer, default=0)
    sealed_answers: Mapped[bytes] = mapped_column(LargeBinary)
    last_reporter_activity_at: Mapped[datetime | None]  # the day only
    # The name people use for the case (issue 14 §7): "<unit code>-<year>-<number>", numbered
    # per unit and year of receipt (portal.cases.references). Reveals the order of receipt
    # within a unit and year (docs/crypto.md, clear columns). NULL only for rows made outside
    # the submission service (test fixtures, benchmarks).
    reference: Mapped[str | None] = mapped_column(String(60), unique=True)

    wraps: Mapped[list[CaseKeyWrap]] = relationship(
        back_populates="case", cascade="all, delete-orphan"
    )
    messages: Mapped[list[Message]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Message.seq"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="case", cascade="all, delete-orphan"
    )


class CaseReferenceCounter(Base):
    """The last reference number given per unit and year of receipt: one row, bumped in the
    submitting transaction (portal.cases.references), so two reports never share a number."""

    __tablename__ = "case_reference_counters"

    # The unit's id, or "" for a report with no unit ("don't know").
    unit_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


# The case list: most urgent first, then the newest among cases with no deadline pending.
Index("ix_cases_urgency", Case.next_due_at, Case.created_at.desc(), Case.id)
# The same order within one value of each filter of the list (issue 15 §5, migration 0019): a
# filtered page and its count read one range of one index, never the wide case rows of the
# other cases.
for _column in (Case.unit_id, Case.status, Case.category, Case.channel):
    Index(f"ix_cases_{_column.key}_urgency", _column, Case.next_due_at, Case.created_at.desc(),
          Case.id)


class CaseKeyWrap(Base):
    """One HPKE envelope of a case key (the DEK or the staff key) for one recipient."""

    __tablename__ = "case_key_wraps"
    __table_args__ = (
        # One wrap per key and recipient: a grant or recovery replaces, never duplicates.
        UniqueConstraint("case_id", "key_kind", "recipient_id",
                         name="uq_case_key_wraps_case_kind_recipient"),
        # The case list starts from "the cases this user holds".
        Index("ix_case_key_wraps_recipient", "recipient_id", "key_kind", "case_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    key_kind: Mapped[KeyKind] = mapped_column(state_column(KeyKind, 10))
    recipient_kind: Mapped[RecipientKind] = mapped_column(state_column(RecipientKind, 10))
    recipient_id: Mapped[str] = mapped_column(String(64))
    # Which generation of the key this wraps (bound into the envelope's info as well).
    generation: Mapped[int] = mapped_column(Integer, default=0)
    blob: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship(back_populates="wraps")


class CaseKeyLink(Base):
    """A case's key of one generation sealed under the next generation's key of the same kind.

    Readers hold wraps of the newest generation only and walk these links back to generation
    0; nothing leads forwards, so a key someone held once opens no later generation.
    """

    __tablename__ = "case_key_links"
    __table_args__ = (
        UniqueConstraint("case_id", "key_kind", "generation",
                         name="uq_case_key_links_case_kind_generation"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    key_kind: Mapped[KeyKind] = mapped_column(state_column(KeyKind, 10))
    # The generation whose key seals the one before it (1 and up).
    generation: Mapped[int] = mapped_column(Integer)
    sealed_previous: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Message(Base):
    """A dialogue message, internal note, acknowledgement or minutes, sealed per item."""

    __tablename__ = "messages"
    __table_args__ = (
        # One message per place in the dialogue: the seal binds the number (see
        # portal.cases.sealing.message_context), so two with the same number would read as
        # tampered with.
        UniqueConstraint("case_id", "seq", name="uq_messages_case_seq"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    author_kind: Mapped[AuthorKind] = mapped_column(state_column(AuthorKind, 10))
    author_id: Mapped[str | None] = mapped_column(String(32))
    kind: Mapped[MessageKind] = mapped_column(state_column(MessageKind, 20),
                                              default=MessageKind.MESSAGE)
    # Which case key seals it: the case key (reporter can read) or the staff key (never them),
    # and of which generation (Case.key_generation when it was written).
    key_kind: Mapped[KeyKind] = mapped_column(state_column(KeyKind, 10), default=KeyKind.CASE)
    key_generation: Mapped[int] = mapped_column(Integer, default=0)
    # The body and its exact time, sealed together (portal.cases.sealing.seal_message).
    sealed_body: Mapped[bytes] = mapped_column(LargeBinary)
    # A reporter's message: the day only; a handler's or the system's: the exact time.
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship(back_populates="messages")


class Attachment(Base):
    __tablename__ = "attachments"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[str | None] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    variant: Mapped[AttachmentVariant] = mapped_column(state_column(AttachmentVariant, 10),
                                                       default=AttachmentVariant.CLEAN)
    key_kind: Mapped[KeyKind] = mapped_column(state_column(KeyKind, 10), default=KeyKind.CASE)
    key_generation: Mapped[int] = mapped_column(Integer, default=0)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    # The padded size the stored stream holds (a power of two, at least 64 KiB), as the file
    # store shows anyway; the exact size is sealed in the metadata (security finding 11).
    size: Mapped[int] = mapped_column(Integer)
    # File name, media type, what metadata was removed, exact size and position, sealed.
    sealed_meta: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)  # the day only

    case: Mapped[Case] = relationship(back_populates="attachments")
