"""All tables of the supplier module; importing this registers them on `Base.metadata`
(`admin/models_registry.py` does, for Alembic and the schema tests)."""

from supplier_dd.models.register import Supplier, SupplierBuyer

__all__ = ["Supplier", "SupplierBuyer"]
from supplier_dd.models import conduct, risk  # noqa: E402,F401 (issue 12 §2-4 tables)
