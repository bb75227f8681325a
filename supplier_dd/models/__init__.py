"""All tables of the supplier module; importing this registers them on `Base.metadata`
(`admin/models_registry.py` does, for Alembic and the schema tests)."""

# The tables of each part register on import (issue 12 §2-6, §8).
from supplier_dd.models import (  # noqa: F401
    actions,
    conduct,
    meetings,
    reviews,
    risk,
    year_end,
)
from supplier_dd.models.register import (
    Supplier,
    SupplierBuyer,
    SupplierCertification,
    SupplierContact,
    SupplierProductGroup,
)

__all__ = ["Supplier", "SupplierBuyer", "SupplierCertification", "SupplierContact",
           "SupplierProductGroup"]
