"""Which marked strings a catalogue must translate, and which it still lacks.

Two sets of message ids, both extracted from the source with Babel's own extractor (the same
keywords as `make extract`), so they can never drift from what the code shows:

* **all**: every marked string of `portal`, `admin`, `supplier_dd` and `config`. Staff
  languages translate all of it.
* **reporter**: what a reporter, a supplier's worker or any member of the public can be shown.
  The rule, precisely:
    1. every id marked in `portal/**.py` (the reporter app, its forms, states, refusals and the
       messages handlers send to reporters: acknowledgement and standard replies live here);
    2. every id in `portal/templates/**.html` except `portal/templates/staff/**` (the staff
       layout, rendered only by the admin app);
    3. every id in the `config` modules whose texts reach public pages: `categories.py` (report
       form), `authorities.py` (the external authorities page), `jurisdictions.py`
       (protection texts on the form) and `privacy.py` (privacy notice). `config/conduct.py`
       and `config/suppliers.py` feed only the staff supplier register and are left out.
  `admin/` and `supplier_dd/` are staff-only and never part of the reporter set. Some ids in
  `portal/**.py` are seen only by staff (audit labels, handling states); they stay in the set
  because a module is the smallest unit we can keep honest without hand-kept lists.

Dev tooling only: the running app never imports this module (it needs the source tree).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS_DIR = ROOT / "portal" / "translations"
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "_l": None,
    "lazy_gettext": None,
    "_N": None,
    "N_": None,
}
METHOD_MAP = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
SOURCE_PACKAGES = ("portal", "admin", "supplier_dd", "config")
STAFF_ONLY_TEMPLATES = "templates/staff/"
REPORTER_CONFIG_MODULES = frozenset(
    {"categories.py", "authorities.py", "jurisdictions.py", "privacy.py"}
)


def _extract(package: str) -> Iterable[tuple[str, str]]:
    """(file relative to the package, message id) for every marked string of a package."""
    for filename, _line, message, _comments, _context in extract_from_dir(
        ROOT / package, METHOD_MAP, keywords=KEYWORDS
    ):
        yield filename.replace("\\", "/"), message if isinstance(message, str) else message[0]


def is_reporter_source(package: str, filename: str) -> bool:
    """The rule of the module docstring, for one source file."""
    if package == "portal":
        return not filename.startswith(STAFF_ONLY_TEMPLATES)
    if package == "config":
        return filename in REPORTER_CONFIG_MODULES
    return False


def source_message_ids(reporter_only: bool = False) -> set[str]:
    """All marked ids, or only the reporter-side ones."""
    ids: set[str] = set()
    for package in SOURCE_PACKAGES:
        for filename, message_id in _extract(package):
            if not reporter_only or is_reporter_source(package, filename):
                ids.add(message_id)
    return ids


def catalogue_path(language: str) -> Path:
    return TRANSLATIONS_DIR / language / "LC_MESSAGES" / "messages.po"


def read_catalogue(language: str) -> Catalog:
    with catalogue_path(language).open("rb") as handle:
        return read_po(handle)


def translated_ids(catalogue: Catalog) -> set[str]:
    """Ids with every form translated and no fuzzy flag (fuzzy text is never shown as done)."""
    done: set[str] = set()
    for message in catalogue:
        if not message.id or "fuzzy" in message.flags:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if all(strings):
            done.add(message.id if isinstance(message.id, str) else message.id[0])
    return done


def untranslated_ids(language: str, reporter_only: bool = False) -> list[str]:
    """The ids of the (reporter or full) set that the language's catalogue lacks, sorted."""
    wanted = source_message_ids(reporter_only)
    return sorted(wanted - translated_ids(read_catalogue(language)))
