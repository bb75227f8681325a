"""The supplier risk model's numbers (domain brief §2): factor weights, level thresholds,
reassessment intervals, and how a published country index maps onto
the model's 1-5 scale.

Every factor is scored 1 (low risk) to 5 (high risk); the result is the weighted mean of the
five, compared with `medium_from` and `high_from`. A TOML file may change any of it:

    [risk]
    weights = { geography = 0.3, industry = 0.25, history = 0.2, certifications = 0.1,
                transparency = 0.15 }
    medium_from = 2.5
    high_from = 3.5
    top_factor_floor = "medium"
    reassess_months = { high = 6, medium = 12, low = 24 }
    history_years = 5

The industry factor reads the register's product groups: which are high-risk is the
`high_risk` flag of `[[product_groups]]` (config/suppliers.py), not a list here.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

FACTORS: tuple[str, ...] = ("geography", "industry", "history", "certifications",
                            "transparency")
LEVELS: tuple[str, ...] = ("low", "medium", "high")


class RiskSettingsError(ValueError):
    """A risk setting is malformed; the message names it."""


@dataclass(frozen=True)
class RiskSettings:
    weight_geography: float = 0.30
    weight_industry: float = 0.25
    weight_history: float = 0.20
    weight_certifications: float = 0.10
    weight_transparency: float = 0.15
    # The weighted mean (1-5) at which the result becomes medium, and high.
    medium_from: float = 2.5
    high_from: float = 3.5
    # One factor at the top score (5: a substantiated breach, a country rated 5) lifts the
    # result to at least this level, so a weighted mean cannot average a breach away.
    # "low" switches the rule off.
    top_factor_floor: str = "medium"
    # Months until a reassessment falls due, by the level of the last closed assessment.
    reassess_months_high: int = 6
    reassess_months_medium: int = 12
    reassess_months_low: int = 24
    # How far back linked substantiated cases count for the history factor.
    history_years: int = 5

    def weight(self, factor: str) -> float:
        value: float = getattr(self, f"weight_{factor}")
        return value

    def reassess_months(self, level: str) -> int:
        value: int = getattr(self, f"reassess_months_{level}")
        return value


# A World Bank WGI estimate (about -2.5 weak ... +2.5 strong governance, the mean of the
# indicators in the file) at or above the first number gets the second as its score.
WGI_BANDS: tuple[tuple[float, int], ...] = ((1.0, 1), (0.25, 2), (-0.5, 3), (-1.0, 4))
WGI_FLOOR_SCORE = 5
# ITUC Global Rights Index ratings (1 sporadic violations ... 5 no guarantee of rights, 5+ no
# guarantee due to the breakdown of the rule of law).
ITUC_SCORES: dict[str, int] = {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "5+": 5}


def wgi_score(estimate: float) -> int:
    """The model's 1-5 score for a WGI estimate."""
    for lower, score in WGI_BANDS:
        if estimate >= lower:
            return score
    return WGI_FLOOR_SCORE


def parse_risk_settings(value: Any) -> RiskSettings:
    """The `[risk]` table of the TOML file, checked."""
    if not isinstance(value, dict):
        raise RiskSettingsError("risk: expected a table")
    changes: dict[str, Any] = {}
    names = {item.name for item in fields(RiskSettings)}
    for key, item in value.items():
        if key == "weights":
            if not isinstance(item, dict) or not set(item) <= set(FACTORS):
                raise RiskSettingsError(f"risk.weights: keys are {', '.join(FACTORS)}")
            for factor, weight in item.items():
                changes[f"weight_{factor}"] = _number(f"risk.weights.{factor}", weight)
        elif key == "reassess_months":
            if not isinstance(item, dict) or not set(item) <= set(LEVELS):
                raise RiskSettingsError(f"risk.reassess_months: keys are {', '.join(LEVELS)}")
            for level, months in item.items():
                if not isinstance(months, int) or months < 1:
                    raise RiskSettingsError(f"risk.reassess_months.{level}: a whole number >= 1")
                changes[f"reassess_months_{level}"] = months
        elif key == "high_risk_sectors":
            raise RiskSettingsError("risk.high_risk_sectors: no longer read; mark the product "
                                    "groups high_risk in [[product_groups]] instead")
        elif key in ("medium_from", "high_from"):
            changes[key] = _number(f"risk.{key}", item)
        elif key == "top_factor_floor":
            changes[key] = str(item)
        elif key == "history_years":
            if not isinstance(item, int) or item < 1:
                raise RiskSettingsError("risk.history_years: a whole number >= 1")
            changes[key] = item
        elif key not in names or key.startswith(("weight_", "reassess_months_")):
            raise RiskSettingsError(f"risk.{key}: unknown setting")
    return check_risk_settings(replace(RiskSettings(), **changes))


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RiskSettingsError(f"{name}: expected a number")
    return float(value)


def check_risk_settings(settings: RiskSettings) -> RiskSettings:
    """Refuse weights and thresholds the model cannot use."""
    weights = [settings.weight(factor) for factor in FACTORS]
    if any(weight < 0 for weight in weights) or sum(weights) <= 0:
        raise RiskSettingsError("risk.weights: no weight below 0, and not all 0")
    if not 1 <= settings.medium_from <= settings.high_from <= 5:
        raise RiskSettingsError("risk: 1 <= medium_from <= high_from <= 5")
    if settings.top_factor_floor not in LEVELS:
        raise RiskSettingsError(f"risk.top_factor_floor: one of {', '.join(LEVELS)}")
    return settings


# The schemes the certifications factor asks about (domain brief §2); proper names, shown as
# written. Only a certificate valid on the assessment day counts.
CERTIFICATION_SCHEMES: tuple[tuple[str, str], ...] = (
    ("sa8000", "SA8000"), ("iso45001", "ISO 45001"), ("iso14001", "ISO 14001"),
    ("iso9001", "ISO 9001"), ("amfori_bsci", "amfori BSCI"), ("smeta", "SMETA"),
    ("rba", "RBA"),
)
