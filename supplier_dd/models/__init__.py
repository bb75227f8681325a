"""All tables of the supplier module; importing this registers them on `Base.metadata`
(`admin/models_registry.py` does, for Alembic and the schema tests)."""

from supplier_dd.models import actions, meetings, reviews  # noqa: F401  (supwork: §5, §6, §8)
from supplier_dd.models.register import (
    Supplier,
    SupplierBuyer,
    SupplierCertification,
    SupplierContact,
    SupplierProductGroup,
)

__all__ = ["Supplier", "SupplierBuyer", "SupplierCertification", "SupplierContact",
           "SupplierProductGroup"]
