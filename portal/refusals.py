"""The one refusal that services raise and views translate (services run without a request,
so they cannot pick the user's language themselves)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext


def N_(text: str) -> str:  # noqa: N802 (the gettext convention for "translate later")
    """Mark `text` for extraction; it is translated where a language is known (the view)."""
    return text


class Refusal(ValueError):
    """A refused change or action; the service changed nothing.

    Carries an English template marked with `N_` and its parameters, never a finished text:
    `str(refusal)` is the English text (for commands and logs), `translated()` the text in
    the request's language (for pages and flashes).
    """

    def __init__(self, template: str, **params: Any) -> None:
        self.template = template
        self.params = params
        super().__init__(template % params if params else template)

    def translated(self) -> str:
        """The refusal in the request's language. Parameters are put in after translation,
        as plain `str`: where it is shown, Jinja escapes the whole text, including whatever a
        user typed into a parameter (a unit code, say)."""
        # flask_babel's gettext applies `% params` itself, and only when there are params,
        # the same rule as __init__, so a template with a literal "%" reads alike both ways.
        return str(gettext(self.template, **self.params))
