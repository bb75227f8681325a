"""The supplier module's states and audit actions (its own catalogue, portal.states pattern)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from portal.states import AuditActionCatalogue


class SupplierAction(AuditActionCatalogue):
    """What the supplier module records in the audit log (ids only, never content)."""

    SUPPLIER_CREATED = "supplier.created"
    SUPPLIER_UPDATED = "supplier.updated"
    SUPPLIERS_IMPORTED = "supplier.imported"
    SUPPLIERS_EXPORTED = "supplier.exported"
    SUPPLIER_CONTACTS_CHANGED = "supplier.contacts_changed"
    SUPPLIER_CERTIFICATIONS_CHANGED = "supplier.certifications_changed"
    # Code of Conduct, risk, analysis and the country table (issue 12 §2-4).
    CONDUCT_RECORDED = "supplier.conduct_recorded"
    CONDUCT_GAP_CLOSED = "supplier.conduct_gap_closed"
    RISK_ASSESSED = "supplier.risk_assessed"
    RISK_ASSESSMENT_CLOSED = "supplier.risk_assessment_closed"
    ANALYSIS_RECORDED = "supplier.analysis_recorded"
    COUNTRIES_IMPORTED = "supplier.countries_imported"
    COUNTRY_OVERRIDDEN = "supplier.country_overridden"
    COUNTRY_OVERRIDE_REMOVED = "supplier.country_override_removed"
    # Action plans, contract reviews and meetings (issue 12 §5, §6, §8; supwork).
    ACTION_ADDED = "supplier.action_added"
    ACTION_UPDATED = "supplier.action_updated"
    REVIEW_OPENED = "supplier.review_opened"
    REVIEW_ASSIGNED = "supplier.review_assigned"
    REVIEW_HARM_RECORDED = "supplier.review_harm_recorded"
    REVIEW_DECIDED = "supplier.review_decided"
    MEETING_RECORDED = "supplier.meeting_recorded"

    @classmethod
    def labels(cls) -> Mapping[StrEnum, LazyString]:
        return SUPPLIER_ACTION_LABELS


SUPPLIER_ACTION_LABELS: dict[StrEnum, LazyString] = {
    SupplierAction.SUPPLIER_CREATED: _l("Supplier added to the register"),
    SupplierAction.SUPPLIER_UPDATED: _l("Supplier changed in the register"),
    SupplierAction.SUPPLIERS_IMPORTED: _l("Supplier list imported"),
    SupplierAction.SUPPLIERS_EXPORTED: _l("Supplier list exported"),
    SupplierAction.SUPPLIER_CONTACTS_CHANGED: _l("Supplier contacts changed"),
    SupplierAction.SUPPLIER_CERTIFICATIONS_CHANGED: _l("Supplier certifications changed"),
    SupplierAction.CONDUCT_RECORDED: _l("Code of Conduct coverage recorded"),
    SupplierAction.CONDUCT_GAP_CLOSED: _l("Code of Conduct gap closed"),
    SupplierAction.RISK_ASSESSED: _l("Supplier risk assessed"),
    SupplierAction.RISK_ASSESSMENT_CLOSED: _l("Supplier risk assessment closed"),
    SupplierAction.ANALYSIS_RECORDED: _l("Thorough analysis recorded"),
    SupplierAction.COUNTRIES_IMPORTED: _l("Country ratings imported"),
    SupplierAction.COUNTRY_OVERRIDDEN: _l("Country rating overridden"),
    SupplierAction.COUNTRY_OVERRIDE_REMOVED: _l("Country rating override removed"),
    SupplierAction.ACTION_ADDED: _l("Action plan item added"),
    SupplierAction.ACTION_UPDATED: _l("Action plan item updated"),
    SupplierAction.REVIEW_OPENED: _l("Contract review opened"),
    SupplierAction.REVIEW_ASSIGNED: _l("Contract review assigned to a manager"),
    SupplierAction.REVIEW_HARM_RECORDED: _l("Harm of disengaging assessed"),
    SupplierAction.REVIEW_DECIDED: _l("Contract review decided"),
    SupplierAction.MEETING_RECORDED: _l("Supplier meeting recorded"),
}


class CertificationScheme(StrEnum):
    """The certificates and audits the risk model counts (domain §2, "Certifications")."""

    SA8000 = "SA8000"
    ISO_45001 = "ISO 45001"
    ISO_14001 = "ISO 14001"
    ISO_9001 = "ISO 9001"
    AMFORI_BSCI = "amfori BSCI"
    SMETA = "SMETA"
    RBA = "RBA"
