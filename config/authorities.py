"""External reporting channels (EU Directive 2019/1937 Art. 9(1)(g): clear information on
reporting to the competent authorities). Defaults for the first customer's countries; a TOML
file may replace them with `[[authorities]]` tables (country, name, area, url, and optionally
source and confirm).

The entries are reference points, not legal advice: every default records where it comes from
(`source`) and carries `confirm = True`, which the staff side's authorities page shows to the
administrators until the organisation has checked the entry and set its own list. The special
country `INTERNATIONAL` holds channels open to anyone anywhere (e.g. workers at a supplier
outside the EEA, whom no Nordic whistleblowing law covers).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


def _N(text: str) -> str:  # noqa: N802 (the conventional gettext no-op marker)
    """Mark a text for extraction into the catalogues; it is translated where shown."""
    return text


INTERNATIONAL = "INTL"


@dataclass(frozen=True)
class Authority:
    country: str  # ISO 3166-1 alpha-2, or INTERNATIONAL
    name: str
    area: str
    url: str
    # The law or page the entry is taken from, for whoever checks it.
    source: str = ""
    # True: a default the organisation has still to confirm for itself (shown to admins).
    confirm: bool = False


COUNTRY_NAMES = {
    "NO": _N("Norway"),
    "SE": _N("Sweden"),
    "DK": _N("Denmark"),
    "FI": _N("Finland"),
    "PL": _N("Poland"),
    "LT": _N("Lithuania"),
    INTERNATIONAL: _N("International: open to anyone, also outside the EEA"),
}

_AML_2A = "https://lovdata.no/dokument/NL/lov/2005-06-17-62/KAPITTEL_2A"
_SE_ORDINANCE = ("https://www.riksdagen.se/sv/dokument-och-lagar/dokument/"
                 "svensk-forfattningssamling/forordning-2021949-om-skydd-for-personer-som_"
                 "sfs-2021-949/")
_DK_ACT = "https://www.retsinformation.dk/eli/lta/2021/1436"

DEFAULT_AUTHORITIES: tuple[Authority, ...] = (
    Authority("NO", "Arbeidstilsynet", _N("Working environment and working conditions"),
              "https://www.arbeidstilsynet.no/", _AML_2A, True),
    Authority("NO", "Datatilsynet", _N("Data protection and privacy"),
              "https://www.datatilsynet.no/", "https://lovdata.no/dokument/NL/lov/2018-06-15-38",
              True),
    Authority("NO", "Økokrim", _N("Economic crime and corruption"), "https://www.okokrim.no/",
              _AML_2A, True),
    Authority("NO", "Forbrukertilsynet",
              _N("The Transparency Act: due diligence for human rights and decent work, and "
                 "information requests"),
              "https://www.forbrukertilsynet.no/",
              "https://lovdata.no/dokument/NL/lov/2021-06-18-99", True),
    Authority("NO", "OECD National Contact Point for Responsible Business Conduct Norway",
              _N("Complaints about how a Norwegian company behaves, also in its supply chain "
                 "abroad; anyone, anywhere may complain"),
              "https://www.responsiblebusiness.no/", "https://mneguidelines.oecd.org/ncps/",
              True),
    Authority("NO", "Likestillings- og diskrimineringsombudet",
              _N("Discrimination and harassment: guidance and help"), "https://www.ldo.no/",
              "https://lovdata.no/dokument/NL/lov/2017-06-16-50", True),
    Authority("NO", "Miljødirektoratet", _N("Pollution and harm to the environment"),
              "https://www.miljodirektoratet.no/",
              "https://lovdata.no/dokument/NL/lov/1981-03-13-6", True),
    Authority("SE", "Arbetsmiljöverket",
              _N("Working environment, and every area that no other authority covers"),
              "https://www.av.se/", _SE_ORDINANCE, True),
    Authority("SE", "Integritetsskyddsmyndigheten (IMY)", _N("Data protection and privacy"),
              "https://www.imy.se/", _SE_ORDINANCE, True),
    Authority("SE", "Ekobrottsmyndigheten", _N("Economic crime and corruption"),
              "https://www.ekobrottsmyndigheten.se/", _SE_ORDINANCE, True),
    Authority("DK", "Datatilsynet", _N("Data protection and privacy"),
              "https://www.datatilsynet.dk/", _DK_ACT, True),
    Authority("DK", "Datatilsynet: Whistleblowerordningen",
              _N("The national external whistleblower scheme"),
              "https://whistleblower.dk/", _DK_ACT, True),
    Authority("DK", "Arbejdstilsynet", _N("Working environment and working conditions"),
              "https://at.dk/", _DK_ACT, True),
    Authority(INTERNATIONAL, "OECD National Contact Points for Responsible Business Conduct",
              _N("Complaints about a company's conduct anywhere in its supply chain, to the "
                 "contact point of the country where the company is based; anyone may "
                 "complain"),
              "https://mneguidelines.oecd.org/ncps/", "https://mneguidelines.oecd.org/ncps/",
              True),
)


def authorities_for(authorities: Iterable[Authority],
                    country: str | None) -> list[tuple[str, list[Authority]]]:
    """The channels to show, grouped by country in the configured order: those of `country`
    and the international ones, or every country's when no company (country) is chosen."""
    grouped: dict[str, list[Authority]] = {}
    for authority in authorities:
        if country is None or authority.country in (country.upper(), INTERNATIONAL):
            grouped.setdefault(authority.country, []).append(authority)
    # The international set comes last: a reporter looks for their own country first.
    return sorted(grouped.items(), key=lambda item: item[0] == INTERNATIONAL)
