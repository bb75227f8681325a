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

    @classmethod
    def labels(cls) -> Mapping[StrEnum, LazyString]:
        return SUPPLIER_ACTION_LABELS


SUPPLIER_ACTION_LABELS: dict[StrEnum, LazyString] = {
    SupplierAction.SUPPLIER_CREATED: _l("Supplier added to the register"),
    SupplierAction.SUPPLIER_UPDATED: _l("Supplier changed in the register"),
    SupplierAction.SUPPLIERS_IMPORTED: _l("Supplier list imported"),
}
