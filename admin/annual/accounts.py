"""The workflow of the Transparency Act account (Åpenhetsloven §5; issue 13 §4-§5).

draft -> approved -> signed -> published, per covered company and for the group's joint
account:

* **Draft**: compliance writes the three §5 texts, (a) organisation, guidelines and routines,
  (b) adverse impacts and significant risks found, (c) measures and results, Norwegian first
  and English beside. Editing an approved or signed account takes it back to draft and drops
  its signatures: the boards signed other words.
* **Approved** by a compliance officer who edited none of the draft (four eyes, the house
  rule of portal.approvals). Approval freezes the figures (`account_figures(...).to_dict()`,
  passed in by the caller) with the texts: what the boards sign is exactly what is published.
  It also freezes the year's small-count decision over all accounts (`admin.annual.joint`).
* **Signed** once each company that must sign has at least one board signatory recorded
  (name, board role, date). A company's account is signed by its own board; the group's joint
  account is signed by the board of *every* covered company (the Act wants the signature per
  company, also in a joint account), so it cannot be published before all have signed.
* **Published**: the frozen content, the signatures, the version and the date are stored in
  `PublishedAccount` as canonical JSON with its HMAC-SHA-256 under a server key; later data
  never changes it. A new version starts from the published texts as a new draft; the
  earlier versions stay public.

Due by 30 June of the following year; `aktsom notify-deadlines` reminds compliance once, a
set number of days before. Every step is audited with ids only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import LazyString, force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from admin.annual.joint import freeze_year_decision
from admin.annual.labels import row_label, section_label, table_label
from admin.annual.models import AccountReminder, AccountSignature, AccountStatus, AnnualAccount
from config import Settings
from portal.audit import record_event
from portal.db import transaction
from portal.information.service import compliance_recipients
from portal.models import OrgUnit, PublishedAccount, User
from portal.models.transparency import GROUP_SCOPE
from portal.notifications import ANNUAL_ACCOUNT_DUE, Notice, queue_outbox, release_pending
from portal.refusals import N_, Refusal
from portal.serverkeys import ServerKeys
from portal.states import ActorKind, AuditActionCatalogue
from portal.transparency import canonical_json, digest_of

SECTIONS = ("a", "b", "c")
LANGUAGES = ("nb", "en")
MAX_TEXT = 20_000
DUE_MONTH, DUE_DAY = 6, 30


class AnnualAccountAction(AuditActionCatalogue):
    EDITED = "annual_account.edited"
    APPROVED = "annual_account.approved"
    SIGNATURE_RECORDED = "annual_account.signature_recorded"
    PUBLISHED = "annual_account.published"
    REOPENED = "annual_account.reopened"

    @classmethod
    def labels(cls) -> Mapping[Any, LazyString]:
        return ANNUAL_ACCOUNT_ACTION_LABELS


ANNUAL_ACCOUNT_ACTION_LABELS: dict[Any, LazyString] = {
    AnnualAccountAction.EDITED: _l("Transparency account: texts edited"),
    AnnualAccountAction.APPROVED: _l("Transparency account approved"),
    AnnualAccountAction.SIGNATURE_RECORDED: _l("Transparency account: board signature recorded"),
    AnnualAccountAction.PUBLISHED: _l("Transparency account published"),
    AnnualAccountAction.REOPENED: _l("Transparency account: new version started"),
}

STATUS_LABELS: dict[AccountStatus, LazyString] = {
    AccountStatus.DRAFT: _l("Draft"),
    AccountStatus.APPROVED: _l("Approved, waiting for the boards' signatures"),
    AccountStatus.SIGNED: _l("Signed, ready to publish"),
    AccountStatus.PUBLISHED: _l("Published"),
}


def due_date(year: int) -> date:
    """The account for `year` is due on 30 June of the year after (Transparency Act §5)."""
    return date(year + 1, DUE_MONTH, DUE_DAY)


def covered_units(db: Session) -> list[OrgUnit]:
    """The companies that account and sign: every org unit but the group level."""
    return list(db.scalars(select(OrgUnit).where(OrgUnit.is_group.is_(False))
                          .order_by(OrgUnit.name)))


def unit_of_scope(db: Session, scope: str) -> OrgUnit | None:
    """The company of a scope; None for the group. Refuses a scope that names nothing."""
    if scope == GROUP_SCOPE:
        return None
    unit = db.get(OrgUnit, scope)
    if unit is None or unit.is_group:
        raise LookupError(scope)
    return unit


def account_for(db: Session, year: int, scope: str) -> AnnualAccount | None:
    return db.scalar(select(AnnualAccount).where(AnnualAccount.year == year,
                                                 AnnualAccount.scope == scope))


def open_account(db: Session, year: int, scope: str) -> AnnualAccount:
    """The account of `year` and `scope`, an empty draft if none was started."""
    unit_of_scope(db, scope)
    account = account_for(db, year, scope)
    if account is None:
        account = AnnualAccount(year=year, scope=scope, status=AccountStatus.DRAFT,
                                texts="{}", editors="[]", published_versions=0)
        db.add(account)
        db.flush()
    return account


def texts_of(account: AnnualAccount) -> dict[str, dict[str, str]]:
    stored = json.loads(account.texts or "{}")
    return {key: {lang: str(stored.get(key, {}).get(lang, "")) for lang in LANGUAGES}
            for key in SECTIONS}


def frozen_content(account: AnnualAccount) -> dict[str, Any] | None:
    """The approved content the boards sign, or None before approval."""
    return json.loads(account.frozen) if account.frozen else None


def signatures_of(db: Session, account: AnnualAccount) -> list[AccountSignature]:
    return list(db.scalars(select(AccountSignature)
                           .where(AccountSignature.account_id == account.id)
                           .order_by(AccountSignature.recorded_at, AccountSignature.id)))


def required_signers(db: Session, account: AnnualAccount) -> list[OrgUnit]:
    """Whose boards must sign: the company itself, or for the group every covered company."""
    unit = unit_of_scope(db, account.scope)
    return covered_units(db) if unit is None else [unit]


def missing_signers(db: Session, account: AnnualAccount) -> list[OrgUnit]:
    signed = {row.unit_id for row in signatures_of(db, account)}
    return [unit for unit in required_signers(db, account) if unit.id not in signed]


def _audit(db: Session, keys: ServerKeys, user: User, action: AnnualAccountAction,
           target_id: str) -> None:
    record_event(db, keys.audit, action=action, actor_kind=ActorKind.USER, actor_id=user.id,
                 target_id=target_id)


def _back_to_draft(db: Session, account: AnnualAccount) -> None:
    db.execute(delete(AccountSignature).where(AccountSignature.account_id == account.id))
    account.status = AccountStatus.DRAFT
    account.approved_by = None
    account.approved_at = None
    account.frozen = None


def save_texts(db: Session, keys: ServerKeys, user: User, account: AnnualAccount,
               texts: Mapping[str, Mapping[str, str]], *, now: datetime) -> None:
    """Store the §5 texts; an approved or signed account goes back to draft."""
    if account.status == AccountStatus.PUBLISHED:
        raise Refusal(N_("This account is published. Start a new version to change it."))
    clean: dict[str, dict[str, str]] = {}
    for key in SECTIONS:
        clean[key] = {}
        for lang in LANGUAGES:
            text = str(texts.get(key, {}).get(lang, "")).replace("\r\n", "\n").strip()
            if len(text) > MAX_TEXT:
                raise Refusal(N_("A text may be at most %(count)s characters long."),
                              count=MAX_TEXT)
            clean[key][lang] = text
    if account.status != AccountStatus.DRAFT:
        _back_to_draft(db, account)
    account.texts = canonical_json(clean)
    editors = set(json.loads(account.editors or "[]")) | {user.id}
    account.editors = json.dumps(sorted(editors))
    account.updated_at = now
    db.flush()
    _audit(db, keys, user, AnnualAccountAction.EDITED, account.id)


def frozen_labels(db: Session, settings: Settings,
                  figures: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """The figures' table, row and section labels in Norwegian and English as they read at
    approval, so the public page (which must not import the account's code, nor change with
    it) shows the published account in words."""
    companies = {unit.id: unit.name for unit in db.scalars(select(OrgUnit))}
    labels: dict[str, dict[str, str]] = {}
    for lang in LANGUAGES:
        with force_locale(lang):
            words: dict[str, str] = {}
            for table in figures.get("tables", []):
                key = str(table.get("key", ""))
                words[key] = table_label(key)
                words[f"section:{table.get('section', '')}"] = section_label(
                    str(table.get("section", "")))
                for row in table.get("rows", []):
                    words[f"{key}:{row.get('key', '')}"] = row_label(
                        settings, key, str(row.get("key", "")), companies)
            for median in figures.get("medians", []):
                words[str(median.get("key", ""))] = table_label(str(median.get("key", "")))
        labels[lang] = words
    return labels


def approve(db: Session, keys: ServerKeys, settings: Settings, user: User,
            account: AnnualAccount, *, figures: Mapping[str, Any], now: datetime) -> None:
    """Approve the draft and freeze it with `figures` (account_figures(...).to_dict()).
    The first approval of a year also freezes the year's small-count decision, for the year
    and the year before (shown beside it); later ones may only add hidden cells to it."""
    if account.status != AccountStatus.DRAFT:
        raise Refusal(N_("Only a draft can be approved."))
    if user.id in json.loads(account.editors or "[]"):
        raise Refusal(N_("A second person must approve the account: not one who wrote it."))
    texts = texts_of(account)
    if not all(texts[key]["nb"] for key in SECTIONS):
        raise Refusal(N_("Write all three sections in Norwegian before approving."))
    unit = unit_of_scope(db, account.scope)
    content = {
        "year": account.year, "scope": account.scope,
        "kind": "group" if unit is None else "company",
        "company": settings.organisation_name if unit is None else unit.name,
        "organisation": settings.organisation_name,
        "due_date": due_date(account.year).isoformat(),
        "approved_on": now.date().isoformat(),
        "publication_url": settings.transparency_publication_url,
        "texts": texts, "figures": dict(figures),
        "labels": frozen_labels(db, settings, figures),
    }
    for year in (account.year, account.year - 1):
        freeze_year_decision(db, settings, year, now)
    account.frozen = canonical_json(content)
    account.status = AccountStatus.APPROVED
    account.approved_by = user.id
    account.approved_at = now
    db.flush()
    _audit(db, keys, user, AnnualAccountAction.APPROVED, account.id)


def record_signature(db: Session, keys: ServerKeys, user: User, account: AnnualAccount, *,
                     unit_id: str, name: str, role: str, signed_on: date) -> AccountSignature:
    """Record one board member's signature for the company `unit_id`; the account is signed
    when every company that must sign has at least one."""
    if account.status not in (AccountStatus.APPROVED, AccountStatus.SIGNED):
        raise Refusal(N_("The boards sign an approved account."))
    if unit_id not in {unit.id for unit in required_signers(db, account)}:
        raise Refusal(N_("That company's board does not sign this account."))
    name, role = name.strip(), role.strip()
    if not name or not role or len(name) > 200 or len(role) > 100:
        raise Refusal(N_("Give the name and the board role of the person who signed."))
    if account.approved_at is not None and signed_on < account.approved_at.date():
        raise Refusal(N_("The board signs after the account was approved."))
    signature = AccountSignature(account_id=account.id, unit_id=unit_id, name=name, role=role,
                                 signed_on=signed_on, recorded_by=user.id)
    db.add(signature)
    db.flush()
    if not missing_signers(db, account):
        account.status = AccountStatus.SIGNED
    _audit(db, keys, user, AnnualAccountAction.SIGNATURE_RECORDED, signature.id)
    return signature


def publish(db: Session, keys: ServerKeys, user: User, account: AnnualAccount, *,
            now: datetime) -> PublishedAccount:
    """Freeze the signed account as the next published version."""
    if account.status != AccountStatus.SIGNED or account.frozen is None:
        raise Refusal(N_("Only an account signed by every board concerned can be published."))
    if missing_signers(db, account):
        raise Refusal(N_("Only an account signed by every board concerned can be published."))
    units = {unit.id: unit.name for unit in required_signers(db, account)}
    content = json.loads(account.frozen)
    version = account.published_versions + 1
    content.update({
        "version": version, "published_on": now.date().isoformat(),
        "signatures": [{"company": units.get(row.unit_id, ""), "name": row.name,
                        "role": row.role, "signed_on": row.signed_on.isoformat()}
                       for row in signatures_of(db, account)],
    })
    snapshot = canonical_json(content)
    published = PublishedAccount(year=account.year, scope=account.scope, version=version,
                                 published_at=now, snapshot=snapshot,
                                 digest=digest_of(keys, snapshot))
    db.add(published)
    account.published_versions = version
    account.status = AccountStatus.PUBLISHED
    db.flush()
    _audit(db, keys, user, AnnualAccountAction.PUBLISHED, published.id)
    return published


def start_new_version(db: Session, keys: ServerKeys, user: User,
                      account: AnnualAccount) -> None:
    """After significant changes: a new draft from the published texts; the published
    versions stay as they are."""
    if account.status != AccountStatus.PUBLISHED:
        raise Refusal(N_("A new version is started from a published account."))
    _back_to_draft(db, account)
    account.editors = "[]"
    db.flush()
    _audit(db, keys, user, AnnualAccountAction.REOPENED, account.id)


def published_versions(db: Session, year: int, scope: str) -> list[PublishedAccount]:
    return list(db.scalars(select(PublishedAccount).where(
        PublishedAccount.year == year, PublishedAccount.scope == scope)
        .order_by(PublishedAccount.version.desc())))


def _all_published(db: Session, year: int) -> bool:
    scopes = set(db.scalars(select(PublishedAccount.scope)
                            .where(PublishedAccount.year == year)))
    return GROUP_SCOPE in scopes or all(unit.id in scopes for unit in covered_units(db))


def account_reminder(db: Session, keys: ServerKeys, settings: Settings, *,
                     now: datetime) -> tuple[int | None, Notice]:
    """The year whose account is due within the reminder window and unpublished, not yet
    reminded of (None if none), and the content-free notice for the compliance officers."""
    year = now.year - 1
    due = due_date(year)
    window = timedelta(days=settings.annual_account_reminder_days)
    if not (due - window <= now.date() <= due) or db.get(AccountReminder, year) is not None \
            or _all_published(db, year):
        return None, Notice(ANNUAL_ACCOUNT_DUE, ())
    officers = tuple(sorted(user.email for user in compliance_recipients(db, keys)))
    return year, Notice(ANNUAL_ACCOUNT_DUE, officers)


def mark_account_reminded(db: Session, year: int, now: datetime) -> None:
    db.add(AccountReminder(year=year, reminded_at=now))


def remind_annual_account(factory: sessionmaker[Session], settings: Settings,
                          keys: ServerKeys, now: datetime) -> str:
    """`aktsom notify-deadlines`' part: remind compliance once of last year's unpublished
    account before 30 June; committed to the outbox first, marked once the mail went out."""
    with transaction(factory) as db:
        year, notice = account_reminder(db, keys, settings, now=now)
        if year is None or not notice.recipients:
            return "No Transparency Act account needs a reminder."
        queue_outbox(db, notice, now)
    with transaction(factory) as db:
        mails = release_pending(db, settings, now, kind=notice.kind)
        if mails == 0:
            return "Sending the annual-account reminder failed; the next run tries again."
        mark_account_reminded(db, year, now)
    return f"Reminded {mails} compliance officers that the {year} account is due by 30 June."
