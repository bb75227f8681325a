"""The report categories (domain brief §1): the seed's human-rights examples first.

`human_rights` drives the supplier module and the annual account. Labels are marked for
translation with `lazy_gettext` at the point of display, so here they are plain English keys.
"""

from __future__ import annotations

from dataclasses import dataclass


def _N(text: str) -> str:  # noqa: N802 (the conventional gettext no-op marker)
    """Mark a label for extraction into the catalogues; it is translated where shown."""
    return text


# The code of the retaliation category, which the routines page names.
RETALIATION = "retaliation"


@dataclass(frozen=True)
class Category:
    code: str
    label: str
    human_rights: bool


DEFAULT_CATEGORIES: tuple[Category, ...] = (
    Category("child_labour", _N("Child labour"), True),
    Category(
        "forced_labour", _N("Forced labour and modern slavery (trafficking, debt bondage)"), True
    ),
    Category("discrimination", _N("Discrimination"), True),
    Category("working_conditions", _N("Poor working conditions and lack of safety"), True),
    Category("unfair_wages", _N("Unfair wages (below a living wage)"), True),
    Category("environment", _N("Environmental harm affecting local communities"), True),
    Category("corruption", _N("Corruption and bribery"), False),
    Category("fraud", _N("Fraud and financial misconduct"), False),
    Category("harassment", _N("Harassment"), False),
    Category("privacy", _N("Data protection and privacy"), False),
    Category("code_of_conduct", _N("Breach of the Code of Conduct"), False),
    # A report of retaliation for an earlier report (AML §2A-5, Directive Art. 19): the handler
    # links it to the earlier case on the staff side; the reporter is never asked for the
    # earlier case's code (issue 11 §7(c)).
    Category(RETALIATION, _N("Retaliation for an earlier report"), False),
    Category("other", _N("Other"), False),
)
