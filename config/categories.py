"""The report categories (domain brief §1): the seed's human-rights examples first.

`human_rights` drives the supplier module and the annual account. Labels are marked for
translation with `lazy_gettext` at the point of display, so here they are plain English keys.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    code: str
    label: str
    human_rights: bool


DEFAULT_CATEGORIES: tuple[Category, ...] = (
    Category("child_labour", "Child labour", True),
    Category("forced_labour", "Forced labour and modern slavery (trafficking, debt bondage)", True),
    Category("discrimination", "Discrimination", True),
    Category("working_conditions", "Poor working conditions and lack of safety", True),
    Category("unfair_wages", "Unfair wages (below a living wage)", True),
    Category("environment", "Environmental harm affecting local communities", True),
    Category("corruption", "Corruption and bribery", False),
    Category("fraud", "Fraud and financial misconduct", False),
    Category("harassment", "Harassment", False),
    Category("privacy", "Data protection and privacy", False),
    Category("code_of_conduct", "Breach of the Code of Conduct", False),
    Category("other", "Other", False),
)
