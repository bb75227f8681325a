"""External reporting channels (EU Directive 2019/1937 Art. 9(1)(g): clear information on
reporting to the competent authorities). Defaults for the first customer's countries; a TOML
file may replace them with `[[authorities]]` tables (country, name, area, url).

The entries are reference points, not legal advice: each customer confirms them.
"""

from __future__ import annotations

from dataclasses import dataclass


def _N(text: str) -> str:  # noqa: N802 (the conventional gettext no-op marker)
    """Mark a text for extraction into the catalogues; it is translated where shown."""
    return text


@dataclass(frozen=True)
class Authority:
    country: str  # ISO 3166-1 alpha-2
    name: str
    area: str
    url: str


COUNTRY_NAMES = {
    "NO": _N("Norway"),
    "SE": _N("Sweden"),
    "DK": _N("Denmark"),
    "FI": _N("Finland"),
    "PL": _N("Poland"),
    "LT": _N("Lithuania"),
}

DEFAULT_AUTHORITIES: tuple[Authority, ...] = (
    Authority("NO", "Arbeidstilsynet", _N("Working environment and working conditions"),
              "https://www.arbeidstilsynet.no/"),
    Authority("NO", "Datatilsynet", _N("Data protection and privacy"),
              "https://www.datatilsynet.no/"),
    Authority("NO", "Økokrim", _N("Economic crime and corruption"), "https://www.okokrim.no/"),
    Authority("SE", "Arbetsmiljöverket", _N("Working environment and working conditions"),
              "https://www.av.se/"),
    Authority("SE", "Integritetsskyddsmyndigheten (IMY)", _N("Data protection and privacy"),
              "https://www.imy.se/"),
    Authority("SE", "Ekobrottsmyndigheten", _N("Economic crime and corruption"),
              "https://www.ekobrottsmyndigheten.se/"),
    Authority("DK", "Datatilsynet", _N("The national external whistleblower scheme"),
              "https://www.datatilsynet.dk/"),
    Authority("DK", "Arbejdstilsynet", _N("Working environment and working conditions"),
              "https://at.dk/"),
)
