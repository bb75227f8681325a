"""All tables of the supplier module; importing this registers them on `Base.metadata`
(`admin/models_registry.py` does, for Alembic and the schema tests)."""

from supplier_dd.models import actions, conduct, meetings, reviews, risk  # noqa: F401  (supwork: §5, §6, §8)  # noqa: F401 (issue 12 §2-4 tables)
from supplier_dd.models.register import Supplier, SupplierBuyer

__all__ = ["Supplier", "SupplierBuyer"]
