"""The privacy notice (GDPR Art. 13/14) and the DPO's records (Art. 30, 35): who the controller
is, how to reach them and the data protection officer, the supervisory authority of each country,
the processors and transfers. Read from the `[privacy]` table of the TOML file:

    [privacy]
    controller = "Example Group AS"            # default: the organisation's name
    contact = "privacy@example.org"            # how to reach the controller
    dpo = "dpo@example.org"                    # the data protection officer, if appointed
    transfers = "None: the channel is hosted in Norway."
    [[privacy.processors]]
    name = "Hosting AS"
    purpose = "Hosting of the server"
    location = "Norway"
    [privacy.units.NORDIC]                     # per company (unit code); overrides the above
    controller = "Nordic Security AS, org. no. 999 999 999"
    contact = "privacy@nordic.example"
    [privacy.supervisory_authorities.FI]       # more countries, or replace a default
    name = "Tietosuojavaltuutetun toimisto"
    url = "https://tietosuoja.fi/"

The legal texts (legal bases per country) are defaults in the translation catalogues; a
country's entry in `[privacy.legal_bases]` replaces it with the organisation's own text, shown
as written (not translated).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


def _N(text: str) -> str:  # noqa: N802 (the conventional gettext no-op marker)
    """Mark a text for extraction into the catalogues; it is translated where shown."""
    return text


class PrivacySettingsError(ValueError):
    """A `[privacy]` setting is malformed; the message names it."""


@dataclass(frozen=True)
class SupervisoryAuthority:
    """The data protection authority a person may complain to (GDPR Art. 77)."""

    name: str
    url: str


@dataclass(frozen=True)
class Processor:
    """Someone who processes the channel's data on the organisation's behalf (Art. 28)."""

    name: str
    purpose: str
    location: str = ""


@dataclass(frozen=True)
class Controller:
    """Who answers for the processing of one company's reports (Art. 13(1)(a)(b))."""

    name: str = ""
    contact: str = ""
    dpo: str = ""


DEFAULT_SUPERVISORY_AUTHORITIES: Mapping[str, SupervisoryAuthority] = {
    "NO": SupervisoryAuthority("Datatilsynet", "https://www.datatilsynet.no/"),
    "SE": SupervisoryAuthority("Integritetsskyddsmyndigheten (IMY)", "https://www.imy.se/"),
    "DK": SupervisoryAuthority("Datatilsynet", "https://www.datatilsynet.dk/"),
}

# The national provisions that make handling reports a legal obligation (Art. 6(1)(c)) and
# allow special categories (Art. 9(2)) and data on offences (Art. 10) where necessary.
DEFAULT_LEGAL_BASES: Mapping[str, str] = {
    "NO": _N("Norway: the Working Environment Act chapter 2A (the right to report and the "
             "employer's duty to follow up reports, sections 2A-3 and 2A-6), the Transparency "
             "Act section 4 (due diligence in the supply chain) and the Personal Data Act "
             "section 11 (data on offences)."),
    "SE": _N("Sweden: the Whistleblowing Act (2021:890), whose chapter 5 allows the "
             "processing of personal data, including sensitive data and data on offences, "
             "when it is necessary to follow up reports."),
    "DK": _N("Denmark: the Whistleblower Protection Act (no. 1436 of 29 June 2021), section "
             "22, which allows the processing of personal data, including data covered by GDPR "
             "Articles 9 and 10, when it is necessary to handle reports."),
}
# Where no national provision is configured: the EU rule every transposition follows.
GENERIC_LEGAL_BASIS = _N("The national law that implements the EU Whistleblowing Directive "
                         "(2019/1937), whose Article 17 requires processing under the GDPR.")


@dataclass(frozen=True)
class PrivacySettings:
    """The `[privacy]` table, validated."""

    controller: Controller = field(default_factory=Controller)
    units: Mapping[str, Controller] = field(default_factory=dict)
    supervisory_authorities: Mapping[str, SupervisoryAuthority] = field(
        default_factory=lambda: dict(DEFAULT_SUPERVISORY_AUTHORITIES))
    legal_bases: Mapping[str, str] = field(default_factory=dict)
    processors: tuple[Processor, ...] = ()
    transfers: str = ""

    def controller_for(self, unit_code: str | None, default_name: str) -> Controller:
        """The controller of a company: its own table, filled in from the organisation's."""
        own = self.units.get(unit_code or "", Controller())
        return Controller(name=own.name or self.controller.name or default_name,
                          contact=own.contact or self.controller.contact,
                          dpo=own.dpo or self.controller.dpo)

    def supervisory_authority(self, country: str | None) -> SupervisoryAuthority | None:
        return self.supervisory_authorities.get((country or "").upper())

    def legal_basis(self, country: str | None) -> tuple[str, bool]:
        """The national provisions for `country` and whether the text is a catalogue default
        (to be translated) rather than the organisation's own wording."""
        code = (country or "").upper()
        if code in self.legal_bases:
            return self.legal_bases[code], False
        return DEFAULT_LEGAL_BASES.get(code, GENERIC_LEGAL_BASIS), True


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise PrivacySettingsError(f"privacy.{name}: expected text")
    return value.strip()


def _controller(value: Any, name: str) -> Controller:
    if not isinstance(value, dict):
        raise PrivacySettingsError(f"privacy.{name}: expected a table")
    unknown = set(value) - {"controller", "contact", "dpo"}
    if unknown:
        raise PrivacySettingsError(f"privacy.{name}.{sorted(unknown)[0]}: unknown setting")
    return Controller(name=_text(value.get("controller", ""), f"{name}.controller"),
                      contact=_text(value.get("contact", ""), f"{name}.contact"),
                      dpo=_text(value.get("dpo", ""), f"{name}.dpo"))


def _https(url: str, name: str) -> str:
    if not url.startswith("https://"):
        raise PrivacySettingsError(f"privacy.{name}: a url must start with https://")
    return url


def parse_privacy(value: Any) -> PrivacySettings:
    """Build the privacy settings from the TOML table; raise PrivacySettingsError naming the
    setting that is wrong."""
    if isinstance(value, PrivacySettings):
        return value
    if not isinstance(value, dict):
        raise PrivacySettingsError("privacy: expected a table")
    known = {"controller", "contact", "dpo", "units", "supervisory_authorities",
             "legal_bases", "processors", "transfers"}
    unknown = set(value) - known
    if unknown:
        raise PrivacySettingsError(f"privacy.{sorted(unknown)[0]}: unknown setting")
    top = _controller({key: value[key] for key in ("controller", "contact", "dpo")
                       if key in value}, "controller")
    units = value.get("units", {})
    if not isinstance(units, dict):
        raise PrivacySettingsError("privacy.units: expected a table of unit codes")
    authorities = dict(DEFAULT_SUPERVISORY_AUTHORITIES)
    extra = value.get("supervisory_authorities", {})
    if not isinstance(extra, dict):
        raise PrivacySettingsError("privacy.supervisory_authorities: expected a table")
    for country, item in extra.items():
        name = f"supervisory_authorities.{country}"
        if not isinstance(item, dict) or not {"name", "url"} <= item.keys():
            raise PrivacySettingsError(f"privacy.{name}: needs a name and a url")
        authorities[str(country).upper()] = SupervisoryAuthority(
            _text(item["name"], f"{name}.name"), _https(_text(item["url"], name), name))
    bases = value.get("legal_bases", {})
    if not isinstance(bases, dict):
        raise PrivacySettingsError("privacy.legal_bases: expected a table of country codes")
    processors = value.get("processors", [])
    if not isinstance(processors, list):
        raise PrivacySettingsError("privacy.processors: expected an array of tables")
    parsed = []
    for item in processors:
        if not isinstance(item, dict) or not {"name", "purpose"} <= item.keys():
            raise PrivacySettingsError("privacy.processors: every entry needs a name and a "
                                       "purpose")
        parsed.append(Processor(_text(item["name"], "processors.name"),
                                _text(item["purpose"], "processors.purpose"),
                                _text(item.get("location", ""), "processors.location")))
    return PrivacySettings(
        controller=top,
        units={str(code): _controller(item, f"units.{code}") for code, item in units.items()},
        supervisory_authorities=authorities,
        legal_bases={str(code).upper(): _text(text, f"legal_bases.{code}")
                     for code, text in bases.items()},
        processors=tuple(parsed),
        transfers=_text(value.get("transfers", ""), "transfers"),
    )
