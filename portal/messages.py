"""Refusals that services raise and views translate (services run without a request, so they
cannot pick the user's language themselves)."""

from __future__ import annotations

from typing import Any


def N_(text: str) -> str:  # noqa: N802 (the gettext convention for "translate later")
    """Mark `text` for extraction; it is translated where a language is known (the view)."""
    return text


class RefusedChange(ValueError):
    """A refused change. `template % params` is the English text; views translate `template`."""

    def __init__(self, template: str, **params: Any) -> None:
        self.template = template
        self.params = params
        super().__init__(template % params if params else template)
