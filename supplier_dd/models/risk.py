"""Supplier risk (domain brief §2, the seed's §6.1): the country table behind the geography
factor, every assessment with its inputs and factor scores, and the thorough analysis a high
result requires (Transparency Act §4 c-e).

All of it is business due-diligence information about companies, kept in clear. The analysis
text can be commercially sensitive, so only compliance reads it (supplier_dd/analysis_views);
it must never hold personal data of workers: the dialogue step records when, with whom (a kind
of counterpart) and how, not names.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import ID, Base, new_id, utcnow
from portal.models.columns import state_column


class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class RiskFactor(StrEnum):
    GEOGRAPHY = "geography"
    INDUSTRY = "industry"
    HISTORY = "history"
    CERTIFICATIONS = "certifications"
    TRANSPARENCY = "transparency"


class AssessmentStatus(StrEnum):
    # A high result stays open until its thorough analysis is complete.
    AWAITING_ANALYSIS = "awaiting_analysis"
    CLOSED = "closed"


class CountryIndex(StrEnum):
    """Where a country's rating came from."""

    DEFAULT = "default"
    WGI = "wgi"
    ITUC = "ituc"
    SIMPLE = "simple"


class DialogueCounterpart(StrEnum):
    """With whom the affected workers' side was heard (a kind, never a person)."""

    WORKERS = "workers"
    REPRESENTATIVES = "worker_representatives"
    TRADE_UNION = "trade_union"
    LOCAL_ORGANISATION = "local_organisation"


class DialogueMethod(StrEnum):
    ON_SITE = "on_site_interviews"
    REMOTE = "remote_interviews"
    SURVEY = "anonymous_survey"
    THIRD_PARTY = "through_third_party"


class CountryRating(Base):
    """The organisation's chosen country table: one rating per country, with its source."""

    __tablename__ = "country_ratings"

    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    index_kind: Mapped[CountryIndex] = mapped_column(state_column(CountryIndex, 10))
    # The publisher's value as it stood in the file (e.g. "-0.62" or "5+").
    raw_value: Mapped[str] = mapped_column(String(20))
    # The model's 1 (low) ... 5 (high) geography score for it.
    score: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(Integer)
    licence: Mapped[str] = mapped_column(String(200))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)


class CountryOverride(Base):
    """Compliance's own score for a country, with why (audited)."""

    __tablename__ = "country_overrides"

    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    score: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    set_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)


class RiskAssessment(Base):
    """One assessment of one supplier, kept for good: who, when, the inputs as they were, the
    weighted result; the factor scores and reasons are `RiskFactorScore` rows."""

    __tablename__ = "risk_assessments"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    supplier_id: Mapped[str] = mapped_column(ForeignKey("suppliers.id", ondelete="CASCADE"))
    assessed_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    assessed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The weighted mean of the factor scores (1-5) and the level it gave.
    total: Mapped[float] = mapped_column(Float)
    level: Mapped[RiskLevel] = mapped_column(state_column(RiskLevel, 10))
    status: Mapped[AssessmentStatus] = mapped_column(state_column(AssessmentStatus, 20))
    closed_at: Mapped[datetime | None]
    # Set when closed: closing day + the configured months for the level.
    next_due_on: Mapped[date | None]
    # The inputs as JSON (country rating and its source, sector, case and action counts, valid
    # certificates, the transparency answers): what the result was computed from.
    inputs: Mapped[str] = mapped_column(Text)


Index("ix_risk_assessments_supplier", RiskAssessment.supplier_id, RiskAssessment.assessed_at)


class RiskFactorScore(Base):
    __tablename__ = "risk_factor_scores"

    assessment_id: Mapped[str] = mapped_column(
        ForeignKey("risk_assessments.id", ondelete="CASCADE"), primary_key=True)
    factor: Mapped[RiskFactor] = mapped_column(state_column(RiskFactor, 20), primary_key=True)
    score: Mapped[int] = mapped_column(Integer)
    weight: Mapped[float] = mapped_column(Float)
    # JSON list of [English template, parameters]: translated where shown.
    reasons: Mapped[str] = mapped_column(Text)


class ThoroughAnalysis(Base):
    """The thorough analysis ("Business Assessment") of a high-risk assessment."""

    __tablename__ = "risk_analyses"

    assessment_id: Mapped[str] = mapped_column(
        ForeignKey("risk_assessments.id", ondelete="CASCADE"), primary_key=True)
    questions: Mapped[str] = mapped_column(Text, default="")
    findings: Mapped[str] = mapped_column(Text, default="")
    # References to the evidence (document names, audit report numbers), not the evidence.
    evidence: Mapped[str] = mapped_column(Text, default="")
    conclusion: Mapped[str] = mapped_column(Text, default="")
    # Transparency Act §4 e: the dialogue with affected workers or their representatives.
    dialogue_on: Mapped[date | None]
    dialogue_with: Mapped[DialogueCounterpart | None] = mapped_column(
        state_column(DialogueCounterpart, 30))
    dialogue_how: Mapped[DialogueMethod | None] = mapped_column(
        state_column(DialogueMethod, 30))
    updated_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
