"""The Code of Conduct checklist (domain brief §2): the areas a supplier's own code is compared
with ours on, and which of them are essential.

The defaults are the seed's checklist ("Code of Conduct_checklist": ILO core conventions, the
UN Guiding Principles, Ethical Trade Norway, amfori BSCI, RBA). A TOML file may replace them:

    [[conduct_areas]]
    code = "forced_labour"
    label = "Forced and bonded labour, trafficking"
    essential = true

Labels of the defaults are translated in the catalogues (marked here, translated where shown);
a customer's own labels are shown as written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class ConductSettingsError(ValueError):
    """A checklist setting is malformed; the message names it."""


def _N(text: str) -> str:  # noqa: N802 (the conventional gettext no-op marker)
    """Mark a label for extraction into the catalogues; it is translated where shown."""
    return text


@dataclass(frozen=True)
class ConductArea:
    code: str
    label: str
    # A missing essential area opens a gap that an action or signing our code must close.
    essential: bool


DEFAULT_CONDUCT_AREAS: tuple[ConductArea, ...] = (
    ConductArea("forced_labour", _N("Forced and bonded labour, trafficking"), True),
    ConductArea("child_labour", _N("Child labour and minimum age"), True),
    ConductArea("young_workers", _N("Young workers"), False),
    ConductArea("freedom_of_association",
                _N("Freedom of association and collective bargaining"), True),
    ConductArea("non_discrimination", _N("Non-discrimination and equal pay"), True),
    ConductArea("humane_treatment", _N("No harsh or inhumane treatment, no harassment"), True),
    ConductArea("health_and_safety", _N("Occupational health and safety"), True),
    ConductArea("wages", _N("Wages (a living wage)"), True),
    ConductArea("working_hours", _N("Working hours"), True),
    ConductArea("regular_employment", _N("Regular employment"), False),
    ConductArea("communities", _N("Local communities and marginalised groups"), False),
    ConductArea("environment", _N("Environment"), False),
    ConductArea("anti_corruption", _N("Anti-corruption and ethical business"), False),
    ConductArea("grievance", _N("Grievance mechanism and non-retaliation"), True),
    ConductArea("minerals", _N("Responsible minerals (3TG, cobalt, mica)"), False),
    ConductArea("privacy_misuse",
                _N("Privacy and responsible use of products (surveillance)"), False),
    ConductArea("management_system",
                _N("Management system, cascading to sub-suppliers, audit rights, corrective "
                   "action"), False),
    ConductArea("transparency",
                _N("Transparency and cooperation (supply-chain mapping, answering information "
                   "requests)"), False),
)


def parse_conduct_areas(value: Any) -> tuple[ConductArea, ...]:
    """The `[[conduct_areas]]` tables of the TOML file, checked."""
    if not isinstance(value, list) or not value:
        raise ConductSettingsError("conduct_areas: expected a non-empty array of tables")
    areas = []
    for item in value:
        if not isinstance(item, dict) or not {"code", "label"} <= item.keys():
            raise ConductSettingsError("conduct_areas: every entry needs a code and a label")
        code = str(item["code"]).strip()
        if not code or len(code) > 40:
            raise ConductSettingsError("conduct_areas: a code is 1 to 40 characters")
        areas.append(ConductArea(code, str(item["label"]), bool(item.get("essential", False))))
    if len({area.code for area in areas}) != len(areas):
        raise ConductSettingsError("conduct_areas: codes must be unique")
    return tuple(areas)
