"""Sealed tombstones: what stands in an item's place once it was removed as manifestly
irrelevant (issue 11 §8, Directive Art. 17; portal.cases.redaction does the removing).

A tombstone is sealed like the item it replaces, under the same key and generation and bound
to the same row and columns, so a database writer can neither forge one (to hide a message
from its reader) nor turn one back into content: the content's ciphertext is overwritten.
The reporter reads a tombstone of a case-key item with the case key, as they read the item.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from crypto import InvalidCiphertext, open_item, seal_item
from portal.cases.sealing import MESSAGE, message_context
from portal.models import Message

_REDACTED = "redacted"


def tombstone(on: date) -> dict[str, str]:
    """The sealed marker of a removed item: only the day it was removed."""
    return {"on": on.isoformat()}


def seal_message_tombstone(key: bytes, message: Message, *, prev_seq: int, sent_at: datetime,
                           on: date) -> bytes:
    """A new sealed body for `message` that holds no text, only the marker; its place in the
    dialogue (`prev_seq`) and its columns are bound as before, so the messages after it still
    open."""
    plaintext = json.dumps({"text": "", "sent_at": sent_at.isoformat(), _REDACTED: tombstone(on)},
                           separators=(",", ":")).encode("utf-8")
    return seal_item(key, case_id=message.case_id, item_id=message.id, kind=MESSAGE,
                     plaintext=plaintext, context=message_context(message, prev_seq))


def open_message_or_tombstone(key: bytes, message: Message, *,
                              prev_seq: int) -> tuple[str, datetime, date | None]:
    """(text, exact time, the day it was removed or None) of `message`. Raises
    crypto.InvalidCiphertext as `portal.cases.sealing.open_message` does."""
    plaintext = open_item(key, case_id=message.case_id, item_id=message.id, kind=MESSAGE,
                          blob=message.sealed_body, context=message_context(message, prev_seq))
    try:
        value = json.loads(plaintext)
        return (str(value["text"]), datetime.fromisoformat(str(value["sent_at"])),
                removed_on(value))
    except (KeyError, TypeError, ValueError):
        raise InvalidCiphertext() from None


def removed_on(value: Any) -> date | None:
    """The day in an opened item's tombstone marker, or None when it is no tombstone."""
    marker = value.get(_REDACTED) if isinstance(value, dict) else None
    if not isinstance(marker, dict):
        return None
    try:
        return date.fromisoformat(str(marker["on"]))
    except (KeyError, ValueError):
        return None


def attachment_tombstone_meta(on: date, position: int) -> dict[str, Any]:
    """The sealed metadata of a removed file: no name, no type, no size; its position keeps
    the order of the files around it."""
    return {_REDACTED: tombstone(on), "position": position, "size": 0}
