"""Print the untranslated message ids of a catalogue as JSON.

Usage: .venv/bin/python scripts/untranslated.py LANG [--reporter]

`--reporter` limits the list to what reporters can be shown (the rule is in
`portal/translation_coverage.py`); without it, every marked string (staff languages).
A fuzzy entry counts as untranslated. Run `make extract` first if the source changed.
"""

from __future__ import annotations

import argparse
import json
import sys

from portal.translation_coverage import catalogue_path, untranslated_ids


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("language", help="catalogue code, e.g. fi, ar")
    parser.add_argument(
        "--reporter", action="store_true", help="only the reporter-side message ids"
    )
    args = parser.parse_args(argv)
    if not catalogue_path(args.language).is_file():
        parser.error(f"no catalogue for {args.language!r}")
    missing = untranslated_ids(args.language, reporter_only=args.reporter)
    json.dump(
        {"language": args.language, "reporter_only": args.reporter,
         "count": len(missing), "untranslated": missing},
        sys.stdout, ensure_ascii=False, indent=1,
    )
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
