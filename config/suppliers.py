"""The supplier register's configurable lists (domain brief §2): sectors, product groups with
their high-risk flag, annual spend bands, and which bands make a supplier "large and important".

A TOML file may replace each list (`[[supplier_sectors]]` code, label; `[[product_groups]]`
code, label, high_risk; `[[spend_bands]]` code, label; `large_spend_bands = [...]`). Labels of
the defaults are plain English keys, translated where they are shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


def _N(text: str) -> str:  # noqa: N802 (the conventional gettext no-op marker)
    """Mark a label for extraction into the catalogues; it is translated where shown."""
    return text


@dataclass(frozen=True)
class Sector:
    code: str
    label: str


@dataclass(frozen=True)
class ProductGroup:
    code: str
    label: str
    # The goods or services carry a known human-rights risk (domain §2, "Industry and goods").
    high_risk: bool


@dataclass(frozen=True)
class SpendBand:
    code: str
    label: str


DEFAULT_SECTORS: tuple[Sector, ...] = (
    Sector("manufacturing", _N("Manufacturing")),
    Sector("wholesale", _N("Wholesale and distribution")),
    Sector("raw_materials", _N("Raw materials and processing")),
    Sector("construction", _N("Construction")),
    Sector("services", _N("Services")),
    Sector("logistics", _N("Transport and logistics")),
)

DEFAULT_PRODUCT_GROUPS: tuple[ProductGroup, ...] = (
    # The seed's high-risk goods for this business (domain §2).
    ProductGroup("ict_electronics", _N("ICT and electronics"), True),
    ProductGroup("minerals_3tg_cobalt", _N("Conflict minerals (3TG) and cobalt"), True),
    ProductGroup("mica", _N("Mica"), True),
    ProductGroup("solar_panels", _N("Solar panels"), True),
    ProductGroup("textiles", _N("Textiles and uniforms"), True),
    ProductGroup("construction_services", _N("Construction services"), True),
    ProductGroup("surveillance", _N("Surveillance products"), True),
    # Ordinary groups.
    ProductGroup("office_supplies", _N("Office supplies"), False),
    ProductGroup("furniture", _N("Furniture"), False),
    ProductGroup("cleaning", _N("Cleaning services"), False),
    ProductGroup("consulting", _N("Consulting and software services"), False),
    ProductGroup("transport", _N("Transport services"), False),
)

DEFAULT_SPEND_BANDS: tuple[SpendBand, ...] = (
    SpendBand("under_100k", _N("Under 100 000 a year")),
    SpendBand("100k_1m", _N("100 000 to 1 million a year")),
    SpendBand("1m_10m", _N("1 to 10 million a year")),
    SpendBand("over_10m", _N("Over 10 million a year")),
)

# The configurable rule: a supplier in one of these bands is large and important.
DEFAULT_LARGE_SPEND_BANDS: tuple[str, ...] = ("1m_10m", "over_10m")


class SupplierListError(ValueError):
    """A supplier list in the TOML file is malformed; the message names the setting."""


def _entries(name: str, value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        raise SupplierListError(f"{name}: expected a non-empty array of tables")
    for item in value:
        if not isinstance(item, dict) or not {"code", "label"} <= item.keys():
            raise SupplierListError(f"{name}: every entry needs a code and a label")
    if len({str(item["code"]) for item in value}) != len(value):
        raise SupplierListError(f"{name}: codes must be unique")
    return value


def parse_sectors(value: Any) -> tuple[Sector, ...]:
    """`[[supplier_sectors]]` from TOML."""
    return tuple(Sector(str(item["code"]), str(item["label"]))
                 for item in _entries("supplier_sectors", value))


def parse_product_groups(value: Any) -> tuple[ProductGroup, ...]:
    """`[[product_groups]]` from TOML."""
    return tuple(ProductGroup(str(item["code"]), str(item["label"]),
                              bool(item.get("high_risk", False)))
                 for item in _entries("product_groups", value))


def parse_spend_bands(value: Any) -> tuple[SpendBand, ...]:
    """`[[spend_bands]]` from TOML, smallest first."""
    return tuple(SpendBand(str(item["code"]), str(item["label"]))
                 for item in _entries("spend_bands", value))
