"""Supplier due diligence (design §2): the supplier register, the Code of Conduct checklist,
risk assessments, action plans and contract reviews.

Not built yet: no blueprint or command is registered from here until the module exists, so
nothing in the running apps pretends to offer it.
"""
