"""Supplier due diligence (design §2, the seed's section 6): the supplier register, the Code of
Conduct checklist, risk assessments, thorough analyses, action plans and contract reviews.

A feature package on top of `portal` (docs/architecture.md, "Adding a feature package"):
its tables in `supplier_dd.models`, its blueprint in `supplier_dd.views` (mounted by `admin`
under /admin/suppliers), its commands in `supplier_dd.cli` (`aktsom suppliers ...`), its audit
actions in `supplier_dd.states.SupplierAction`. `portal` never imports it; case handling talks
to it through signals and narrow read functions only.
"""
