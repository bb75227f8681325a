"""The drafts of the Transparency Act account and their workflow (issue 13 §4-§5).

One `AnnualAccount` per year and scope (a covered company, or the group's joint account)
holds the three §5 texts in Norwegian and English, who edited them since the last approval,
and, once approved, the frozen figures and texts the boards sign. Signatures are per company
(`AccountSignature.unit_id`): the Act wants each covered company's board to sign, also in a
joint group account. Publishing copies the approved content and the signatures into
`portal.models.PublishedAccount`, which the public page reads.

The texts are the organisation's own published statements, not case content: they are kept
in clear, like the public page that shows them.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import ID, Base, new_id, utcnow
from portal.models.columns import state_column


class AccountStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    SIGNED = "signed"
    PUBLISHED = "published"


class AnnualAccount(Base):
    __tablename__ = "annual_accounts"
    __table_args__ = (UniqueConstraint("year", "scope"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    year: Mapped[int] = mapped_column(index=True)
    # An org unit id, or portal.models.transparency.GROUP_SCOPE.
    scope: Mapped[str] = mapped_column(String(32))
    status: Mapped[AccountStatus] = mapped_column(state_column(AccountStatus, 12),
                                                  default=AccountStatus.DRAFT)
    # JSON: {section: {"nb": markdown, "en": markdown}} for sections a, b, c.
    texts: Mapped[str] = mapped_column(Text, default="{}")
    # JSON list of the user ids who edited the texts since the draft was last reset: none of
    # them may approve it (four eyes, as portal.approvals).
    editors: Mapped[str] = mapped_column(Text, default="[]")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_by: Mapped[str | None] = mapped_column(String(32))
    approved_at: Mapped[datetime | None]
    # The content the boards sign and that is published: canonical JSON, set at approval.
    frozen: Mapped[str | None] = mapped_column(Text)
    # How many versions were published so far; the next one is this plus one.
    published_versions: Mapped[int] = mapped_column(default=0)


class AccountSignature(Base):
    __tablename__ = "annual_account_signatures"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("annual_accounts.id", ondelete="CASCADE"), index=True)
    # The company whose board signs.
    unit_id: Mapped[str] = mapped_column(ForeignKey("org_units.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    # The board role, e.g. "Chair of the board".
    role: Mapped[str] = mapped_column(String(100))
    signed_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class AccountReminder(Base):
    """The reminder of a year's due date was sent: `aktsom notify-deadlines` sends it once."""

    __tablename__ = "annual_account_reminders"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    reminded_at: Mapped[datetime] = mapped_column(default=utcnow)


class YearSuppression(Base):
    """The year's joint small-count decision (issue 13 §3), frozen when the year's first
    account is approved: which cells of every account of the year (the group's and each
    company's, `admin.annual.figures` cell ids) are hidden. Every later computation of the
    year's figures, for any account, version or format, hides them too, whatever the counts
    have become: accounts approved or published on different days cannot be set against each
    other to reveal a cell. Later approvals may add cells, never remove one."""

    __tablename__ = "annual_suppressions"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # JSON list of the hidden cell ids, sorted.
    hidden: Mapped[str] = mapped_column(Text, default="[]")
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
