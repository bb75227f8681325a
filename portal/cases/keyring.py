"""A reader's keys of one case across its key generations (design §3, exclusion and rotation).

Each exclusion replaces the case key and the staff key (portal.cases.rotation), so a case has
generations of keys: 0 from the submission, one more per exclusion. Every sealed item records
the generation it was sealed under (`key_generation`). A reader holds a wrap of the newest
generation only; each older key is sealed under the next key of its kind (`CaseKeyLink`), so
the newest key opens the chain back to generation 0. The chain runs backwards only: whoever
held the keys of generation 2 and was left out then opens nothing of generation 3.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from crypto import InvalidCiphertext, open_item, seal_item
from portal.models import CaseKeyLink
from portal.states import KeyKind

# The item kind of a key sealed under the next generation's key (crypto item format §3.2).
PREVIOUS_KEY = "previous-key"


@dataclass(frozen=True)
class Keyring:
    """The keys of one case a reader holds: of `generation`, the newest, which new items are
    sealed under, and of every older generation the chain still opens."""

    case_id: str
    generation: int
    keys: Mapping[tuple[KeyKind, int], bytes] = field(repr=False)

    @classmethod
    def of(cls, case_id: str, case_key: bytes, staff_key: bytes | None = None, *,
           generation: int = 0) -> Keyring:
        """The keys of one generation, without older ones (a new case; tests)."""
        keys = {(KeyKind.CASE, generation): case_key}
        if staff_key is not None:
            keys[(KeyKind.STAFF, generation)] = staff_key
        return cls(case_id, generation, keys)

    def holds(self, kind: KeyKind) -> bool:
        """True if the reader holds the newest key of `kind` (the reporter: never the staff
        key)."""
        return (kind, self.generation) in self.keys

    def newest(self, kind: KeyKind) -> bytes:
        """The key new items of `kind` are sealed under; KeyError if the reader lacks it."""
        return self.keys[(kind, self.generation)]

    def key(self, kind: KeyKind, generation: int) -> bytes | None:
        """The key of an item sealed under `generation`, or None if this reader cannot open
        it (never held, or a link of the chain is damaged)."""
        return self.keys.get((kind, generation))

    def case_only(self) -> Keyring:
        """The same ring without the staff keys: what the reporter's side may use."""
        return Keyring(self.case_id, self.generation,
                       {slot: key for slot, key in self.keys.items() if slot[0] == KeyKind.CASE})

    def succeeded_by(self, newest: Mapping[KeyKind, bytes]) -> Keyring:
        """This ring after a rotation: `newest` as the next generation, every key kept."""
        generation = self.generation + 1
        keys = dict(self.keys)
        keys.update({(kind, generation): key for kind, key in newest.items()})
        return Keyring(self.case_id, generation, keys)


def link_item_id(kind: KeyKind, generation: int) -> str:
    return f"{kind}:{generation}"


def seal_link(case_id: str, kind: KeyKind, generation: int, *, key: bytes,
              previous: bytes) -> CaseKeyLink:
    """The row that lets the holders of `key` (of `generation`) open `previous`."""
    return CaseKeyLink(case_id=case_id, key_kind=kind, generation=generation,
                       sealed_previous=seal_item(key, case_id=case_id,
                                                 item_id=link_item_id(kind, generation),
                                                 kind=PREVIOUS_KEY, plaintext=previous))


def unlock_keyring(db: Session, case_id: str, generation: int,
                   newest: Mapping[KeyKind, bytes]) -> Keyring:
    """The ring of a reader who unwrapped `newest` (of `generation`): the older keys follow
    from the chain, one query, none at all while the case has only generation 0 (the case
    page of almost every case). A link that does not open ends the walk: older items then
    show as damaged, the rest of the case does not."""
    keys = {(kind, generation): key for kind, key in newest.items()}
    if generation > 0:
        links = {(row.key_kind, row.generation): row.sealed_previous
                 for row in db.scalars(select(CaseKeyLink).where(
                     CaseKeyLink.case_id == case_id, CaseKeyLink.generation <= generation))}
        for kind, key in newest.items():
            for step in range(generation, 0, -1):
                blob = links.get((kind, step))
                if blob is None:
                    break
                try:
                    key = open_item(key, case_id=case_id, item_id=link_item_id(kind, step),
                                    kind=PREVIOUS_KEY, blob=blob)
                except InvalidCiphertext:
                    break
                keys[(kind, step - 1)] = key
    return Keyring(case_id, generation, keys)
