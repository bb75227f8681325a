"""The supplier register: who we buy from, where, what, and which of our companies buy.

Supplier data is business information about companies, not case content: it is kept in clear
(nothing here may hold a reporter's words; a case links to a supplier by id only).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import ID, Base, new_id, utcnow


class Supplier(Base):
    __tablename__ = "suppliers"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    # The national registration number; re-imports update the row with the same number.
    org_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    # ISO 3166-1 alpha-2 (pycountry), the country the goods are made or the work is done in.
    country: Mapped[str] = mapped_column(String(2), index=True)
    # A code of the configured sector list.
    sector: Mapped[str | None] = mapped_column(String(60))
    # 1 = producer of end products we buy, 2-3 = processors of raw materials (seed §6).
    tier: Mapped[int] = mapped_column(Integer, default=1, index=True)
    # A wholesaler fronts a producer; `fronts_id` names it when it is in the register.
    is_wholesaler: Mapped[bool] = mapped_column(Boolean, default=False)
    fronts_id: Mapped[str | None] = mapped_column(ForeignKey("suppliers.id", ondelete="SET NULL"))
    # A code of the configured spend bands.
    spend_band: Mapped[str | None] = mapped_column(String(20), index=True)
    # "Large and important" set by hand besides the configured rule on spend, with why.
    large_by_hand: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    large_reason: Mapped[str | None] = mapped_column(Text)
    contract_start: Mapped[date | None]
    contract_end: Mapped[date | None]
    # Does the contract let us end it on serious deviations (seed §6)? None: not known.
    termination_clause: Mapped[bool | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SupplierBuyer(Base):
    """Which of our companies (org units) buy from a supplier."""

    __tablename__ = "supplier_buyers"

    supplier_id: Mapped[str] = mapped_column(
        ForeignKey("suppliers.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[str] = mapped_column(
        ForeignKey("org_units.id", ondelete="CASCADE"), primary_key=True)


class SupplierProductGroup(Base):
    """The configured product groups (config/suppliers.py) a supplier delivers."""

    __tablename__ = "supplier_product_groups"

    supplier_id: Mapped[str] = mapped_column(
        ForeignKey("suppliers.id", ondelete="CASCADE"), primary_key=True)
    group_code: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)


class SupplierContact(Base):
    """A business contact at the supplier (their role there, work address and telephone)."""

    __tablename__ = "supplier_contacts"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    supplier_id: Mapped[str] = mapped_column(
        ForeignKey("suppliers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))


class SupplierCertification(Base):
    """A certificate or audit the supplier holds (`CertificationScheme`), valid until
    `expires_on` inclusive; an expired one counts for nothing (domain §2)."""

    __tablename__ = "supplier_certifications"
    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    supplier_id: Mapped[str] = mapped_column(
        ForeignKey("suppliers.id", ondelete="CASCADE"), index=True)
    scheme: Mapped[str] = mapped_column(String(20))
    reference: Mapped[str | None] = mapped_column(String(100))
    expires_on: Mapped[date] = mapped_column(Date, index=True)
