"""The reporter's identity (issue 11 §8; Directive Art. 16).

A reporter chooses on the report form to stay anonymous (the default) or to give their name
in confidence. The name is its own sealed item, apart from the answers and the contact
details, sealed under the case's staff key: the case's handlers and the recovery key read it,
the case code does not (whoever finds a reporter's code learns the report, not their name),
and managers of an escalation never hold that key. In clear there is only the fact that a
name was given (the row exists), which the figures count (`portal.stats`).

Disclosing the identity to an authority (Art. 16(2)) is a recorded step: the authority and a
note are sealed, the legal basis and the day are clear codes, and the reporter is told in
the dialogue, in their language, unless the handler records why not (Art. 16(3)); they can be
told later. Services take a Session and never commit; every step is audited without content.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from config import Settings
from crypto import InvalidCiphertext
from portal.audit import record_event
from portal.cases.dialogue import add_message
from portal.cases.handling import HandlerCase
from portal.cases.keyring import Keyring
from portal.cases.reading import reporter_language
from portal.cases.sealing import open_json, open_text, seal_json, seal_text
from portal.db import utcnow
from portal.deadlines import start_of_day
from portal.models import Case, CaseIdentity, IdentityDisclosure, Message, User
from portal.refusals import N_, Refusal
from portal.serverkeys import ServerKeys
from portal.states import (
    DISCLOSURE_BASIS_LABELS,
    ActorKind,
    AuthorKind,
    DisclosureBasis,
    KeyKind,
    NotificationWithheld,
    RelevanceAction,
)

IDENTITY = "identity"
DISCLOSURE = "identity-disclosure"
MAX_NAME = 200
MAX_AUTHORITY = 300
MAX_NOTE = 2_000

NOT_NAMED = N_("The reporter did not give their name, so there is no identity to disclose.")
NO_AUTHORITY = N_("Name the authority the identity is disclosed to. Nothing was changed.")
NO_BASIS = N_("Choose the legal basis of the disclosure. Nothing was changed.")
NO_WITHHELD_REASON = N_("Record why the reporter is not told, with a note, or tell them. "
                        "Nothing was changed.")
BAD_DATE = N_("The date of the disclosure cannot be before the report was received. "
              "Nothing was changed.")
ALREADY_TOLD = N_("The reporter has already been told of this disclosure.")


def record_identity(db: Session, *, keys: Keyring, case: Case, name: str) -> CaseIdentity:
    """Seal the name a reporter gave in confidence, beside their new case (called in the
    submission's transaction). The row's time is the day only, as the case's."""
    name = name.strip()[:MAX_NAME]
    if not name:
        raise ValueError("an empty name is no identity")
    row = CaseIdentity(case_id=case.id, key_generation=keys.generation,
                       sealed_name=seal_text(keys.newest(KeyKind.STAFF), case_id=case.id,
                                             item_id=case.id, kind=IDENTITY, text=name),
                       created_at=case.created_at)
    db.add(row)
    return row


def is_named(db: Session, case_id: str) -> bool:
    return db.get(CaseIdentity, case_id) is not None


@dataclass(frozen=True)
class IdentityView:
    """The reporter's identity as its handlers see it; `name` None: damaged."""

    name: str | None


def identity_of(db: Session, opened: HandlerCase) -> IdentityView | None:
    """The name given in confidence, or None for an anonymous report."""
    row = db.get(CaseIdentity, opened.case.id)
    if row is None:
        return None
    key = opened.keys.key(KeyKind.STAFF, row.key_generation)
    if key is None:
        return IdentityView(None)
    try:
        return IdentityView(open_text(key, case_id=row.case_id, item_id=row.case_id,
                                      kind=IDENTITY, blob=row.sealed_name))
    except InvalidCiphertext:
        return IdentityView(None)


def disclosure_notice_text(language: str, *, authority: str, basis: DisclosureBasis,
                           disclosed_on: date) -> str:
    """What the reporter is told (Art. 16(3): informed, with the reasons), in their language."""
    with force_locale(language):
        return str(_(
            "We have to disclose your identity to %(authority)s (date of disclosure: "
            "%(date)s). The reason: %(basis)s. The law allows this only where it is a "
            "necessary and proportionate obligation in an investigation by the authorities or "
            "in judicial proceedings. You can ask us about it here with your case code.",
            authority=authority, date=format_date(disclosed_on, "long"),
            basis=str(DISCLOSURE_BASIS_LABELS[basis]),
        ))


def _notify(db: Session, settings: Settings, opened: HandlerCase, user: User,
            disclosure: IdentityDisclosure, authority: str, now: datetime) -> Message:
    language = reporter_language(opened.case, opened.keys) or settings.default_language
    text = disclosure_notice_text(language, authority=authority, basis=disclosure.legal_basis,
                                  disclosed_on=disclosure.disclosed_on.date())
    message = add_message(db, case=opened.case, keys=opened.keys, key_kind=KeyKind.CASE,
                          author_kind=AuthorKind.HANDLER, author_id=user.id, body=text,
                          now=now)
    disclosure.reporter_notified = True
    disclosure.notified_at = now
    disclosure.withheld_reason = None
    return message


def record_disclosure(db: Session, keys: ServerKeys, settings: Settings, *,
                      opened: HandlerCase, user: User, authority: str, basis: str | None,
                      disclosed_on: date, tell_reporter: bool,
                      withheld_reason: str | None = None, note: str = "",
                      now: datetime | None = None) -> IdentityDisclosure:
    """Record that the reporter's identity is disclosed to `authority` (Art. 16(2)).

    Only for a case whose reporter gave their name. The reporter is told in the dialogue
    unless `tell_reporter` is False, which needs a reason from the list and a note. Refused,
    with nothing changed, when a part is missing. Never commits.
    """
    case = opened.case
    if not is_named(db, case.id):
        raise Refusal(NOT_NAMED)
    authority = " ".join(authority.split())[:MAX_AUTHORITY]
    if not authority:
        raise Refusal(NO_AUTHORITY)
    if not basis or basis not in set(DisclosureBasis):
        raise Refusal(NO_BASIS)
    note = note.strip()[:MAX_NOTE]
    withheld: NotificationWithheld | None = None
    if not tell_reporter:
        if not withheld_reason or withheld_reason not in set(NotificationWithheld) or not note:
            raise Refusal(NO_WITHHELD_REASON)
        withheld = NotificationWithheld(withheld_reason)
    day = datetime(disclosed_on.year, disclosed_on.month, disclosed_on.day, tzinfo=UTC)
    if day < start_of_day(case.created_at):
        raise Refusal(BAD_DATE)
    now = now or utcnow()
    disclosure = IdentityDisclosure(
        case_id=case.id, legal_basis=DisclosureBasis(basis), disclosed_on=day,
        recorded_by=user.id, recorded_at=now, reporter_notified=False,
        withheld_reason=withheld, key_generation=opened.keys.generation, sealed_details=b"",
    )
    db.add(disclosure)
    db.flush()  # the id binds the sealed details
    disclosure.sealed_details = seal_json(opened.staff_key, case_id=case.id,
                                          item_id=disclosure.id, kind=DISCLOSURE,
                                          value={"authority": authority, "note": note})
    record_event(db, keys.audit, action=RelevanceAction.CASE_IDENTITY_DISCLOSED,
                 actor_kind=ActorKind.USER, actor_id=user.id, case_id=case.id,
                 target_id=disclosure.id, at=now)
    if tell_reporter:
        message = _notify(db, settings, opened, user, disclosure, authority, now)
        record_event(db, keys.audit, action=RelevanceAction.CASE_IDENTITY_DISCLOSURE_NOTIFIED,
                     actor_kind=ActorKind.USER, actor_id=user.id, case_id=case.id,
                     target_id=message.id, at=now)
    return disclosure


def _details(opened: HandlerCase, row: IdentityDisclosure) -> dict[str, str] | None:
    key = opened.keys.key(KeyKind.STAFF, row.key_generation)
    if key is None:
        return None
    try:
        value = open_json(key, case_id=row.case_id, item_id=row.id, kind=DISCLOSURE,
                          blob=row.sealed_details)
    except InvalidCiphertext:
        return None
    if not isinstance(value, dict):
        return None
    return {"authority": str(value.get("authority") or ""), "note": str(value.get("note") or "")}


def tell_reporter_of_disclosure(db: Session, keys: ServerKeys, settings: Settings, *,
                                opened: HandlerCase, user: User, disclosure_id: str,
                                now: datetime | None = None) -> Message:
    """Tell the reporter of a disclosure they were not told of, once the reason for not
    telling them has passed (Art. 16(3)). Never commits."""
    row = db.scalar(select(IdentityDisclosure).where(
        IdentityDisclosure.id == disclosure_id, IdentityDisclosure.case_id == opened.case.id))
    if row is None:
        raise Refusal(N_("This disclosure is not part of the case."))
    if row.reporter_notified:
        raise Refusal(ALREADY_TOLD)
    details = _details(opened, row)
    if details is None:
        raise Refusal(N_("This record failed its integrity check. Nothing was changed."))
    now = now or utcnow()
    message = _notify(db, settings, opened, user, row, details["authority"], now)
    record_event(db, keys.audit, action=RelevanceAction.CASE_IDENTITY_DISCLOSURE_NOTIFIED,
                 actor_kind=ActorKind.USER, actor_id=user.id, case_id=opened.case.id,
                 target_id=message.id, at=now)
    return message


@dataclass(frozen=True)
class DisclosureView:
    row: IdentityDisclosure
    authority: str | None  # None: damaged
    note: str | None


def disclosures_of(db: Session, opened: HandlerCase) -> list[DisclosureView]:
    """The case's disclosures, oldest first, with their sealed details opened."""
    views = []
    for row in db.scalars(select(IdentityDisclosure).where(
            IdentityDisclosure.case_id == opened.case.id)
            .order_by(IdentityDisclosure.recorded_at, IdentityDisclosure.id)):
        details = _details(opened, row)
        views.append(DisclosureView(row, details["authority"] if details else None,
                                    details["note"] if details else None))
    return views


def named_case_ids(db: Session, case_ids: list[str]) -> set[str]:
    """Which of `case_ids` have a reporter who gave their name (for the statistics rows)."""
    if not case_ids:
        return set()
    return set(db.scalars(select(CaseIdentity.case_id).where(CaseIdentity.case_id.in_(case_ids))))

