"""Code of Conduct coverage per supplier (domain brief §2, the seed's §6.1): our code signed,
the supplier's own code compared area by area, or none; and the gaps a comparison opens.

Business information about companies, kept in clear; nothing here comes from a case.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import ID, Base, new_id, utcnow
from portal.models.columns import state_column


class ConductStatus(StrEnum):
    SIGNED_OURS = "signed_ours"
    OWN_COMPARED = "own_compared"
    NONE = "none"


class AreaMark(StrEnum):
    """How the supplier's own code covers one area of our checklist."""

    COVERED = "covered"
    PARTLY = "partly"
    MISSING = "missing"
    STRICTER = "stricter"


class GapClosure(StrEnum):
    """What closed a gap: an action of the supplier's action plan, our code signed, or the
    supplier's code revised so that the area is now covered."""

    ACTION = "action"
    SIGNED_OURS = "signed_ours"
    CODE_REVISED = "code_revised"


class CodeOfConductReview(Base):
    """The supplier's current Code of Conduct coverage (one row per supplier)."""

    __tablename__ = "conduct_reviews"

    supplier_id: Mapped[str] = mapped_column(
        ForeignKey("suppliers.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[ConductStatus] = mapped_column(state_column(ConductStatus, 20))
    # Our code: which version, signed when.
    our_version: Mapped[str | None] = mapped_column(String(40))
    signed_on: Mapped[date | None]
    # The supplier's own code: its title or version, and when we compared it.
    own_code_title: Mapped[str | None] = mapped_column(String(200))
    compared_on: Mapped[date | None]
    updated_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ConductAreaMark(Base):
    """One row of the checklist for a supplier's own code: the mark and where in the
    supplier's document the area is dealt with."""

    __tablename__ = "conduct_area_marks"

    supplier_id: Mapped[str] = mapped_column(
        ForeignKey("suppliers.id", ondelete="CASCADE"), primary_key=True)
    # A code of the configured checklist (config.conduct); kept if the list changes later.
    area: Mapped[str] = mapped_column(String(40), primary_key=True)
    mark: Mapped[AreaMark] = mapped_column(state_column(AreaMark, 20))
    reference: Mapped[str | None] = mapped_column(String(200))


class ConductGap(Base):
    """An essential area missing (or only partly covered) in a supplier's own code.

    Open until closed by an action (`action_id`: the supplier's action-plan item), by the
    supplier signing our code, or by the supplier revising its code so that the area is
    covered.
    """

    __tablename__ = "conduct_gaps"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    supplier_id: Mapped[str] = mapped_column(ForeignKey("suppliers.id", ondelete="CASCADE"))
    area: Mapped[str] = mapped_column(String(40))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[GapClosure | None] = mapped_column(state_column(GapClosure, 20))
    action_id: Mapped[str | None] = mapped_column(
        ForeignKey("supplier_actions.id", ondelete="SET NULL"))
    closed_by_user: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))


Index("ix_conduct_gaps_open", ConductGap.supplier_id, ConductGap.closed_at)
