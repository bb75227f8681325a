"""Attachment names as people see them and as downloads carry them.

A name comes from the reporter's browser and is hostile input. Control characters (CR, LF,
NUL) made every download of the file fail, so the evidence could no longer be read; bidi
controls (U+202E) make `a<RLO>gnp.exe` look like `aexe.png`; a path makes the name lie about
where it came from. `safe_filename` is applied when an upload is taken in and again when a
stored name is shown or sent, so names stored before this rule are still reachable.
"""

from __future__ import annotations

import unicodedata

# Long enough for any real name, short enough for a Content-Disposition header and a page.
MAX_FILENAME_LENGTH = 200
# The extension is kept when a name is shortened, so the file still opens with the right app.
_MAX_EXTENSION = 16
DEFAULT_FILENAME = "file"

# Cc: controls (CR, LF, NUL, ...); Cf: format characters, the bidi embeddings, overrides and
# isolates (U+202A-202E, U+2066-2069) and marks (U+200E/F) among them; Cs: lone surrogates;
# Zl/Zp: line and paragraph separators, which break a line like LF does.
_REMOVED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_PATH_SEPARATORS = ("/", "\\")


def safe_filename(name: str | None, fallback: str = DEFAULT_FILENAME) -> str:
    """`name` without control or bidi-format characters and without a directory part, at most
    `MAX_FILENAME_LENGTH` characters, never empty (`fallback` instead)."""
    text = unicodedata.normalize("NFC", name or "")
    text = "".join(char for char in text
                   if unicodedata.category(char) not in _REMOVED_CATEGORIES)
    for separator in _PATH_SEPARATORS:
        # Old browsers send the whole client path (C:\Users\...): keep the last part.
        text = text.rsplit(separator, 1)[-1]
    # Windows drops trailing dots and spaces, so `evil.exe. ` would save as `evil.exe`.
    text = text.strip().rstrip(". ")
    if not text or text in (".", ".."):
        return fallback
    return _shorten(text)


def _shorten(text: str) -> str:
    if len(text) <= MAX_FILENAME_LENGTH:
        return text
    stem, dot, extension = text.rpartition(".")
    if dot and stem and len(extension) < _MAX_EXTENSION:
        return stem[:MAX_FILENAME_LENGTH - len(extension) - 1] + "." + extension
    return text[:MAX_FILENAME_LENGTH]
