"""Who is left out of a case: by the reporter at submission (sealed in the answers) or by a
handler since (a `CaseExclusion` row). Every path that hands a case out again asks here:
grants, escalations, `aktsom recover`."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crypto import InvalidCiphertext
from portal.cases.keyring import Keyring
from portal.cases.sealing import ANSWERS, open_json
from portal.models import Case, CaseExclusion
from portal.states import KeyKind


def excluded_user_ids(db: Session, case: Case, keys: Keyring) -> set[str]:
    """Everyone left out of `case`: by a handler (recorded) or by the reporter (sealed in the
    answers, under the case key of generation 0; a damaged answer excludes no one we could
    know of, the recorded ones still apply)."""
    excluded = set(db.scalars(select(CaseExclusion.user_id).where(
        CaseExclusion.case_id == case.id)))
    first_key = keys.key(KeyKind.CASE, 0)
    if first_key is None:
        return excluded
    try:
        answers = open_json(first_key, case_id=case.id, item_id=case.id, kind=ANSWERS,
                            blob=case.sealed_answers)
    except InvalidCiphertext:
        return excluded
    chosen = answers.get("excluded_user_ids") if isinstance(answers, dict) else None
    if isinstance(chosen, list):
        excluded.update(str(user_id) for user_id in chosen)
    return excluded


def is_excluded(db: Session, case: Case, keys: Keyring, user_id: str) -> bool:
    """True if `user_id` was left out of `case` by the reporter or by a handler."""
    return user_id in excluded_user_ids(db, case, keys)
