"""`aktsom privacy-record`: the record of processing activities (GDPR Art. 30) and an input
sheet for the data protection impact assessment (Art. 35), written as Markdown from the
configuration and the org units (issue 11 §9). Nothing of any case is read: the sheets say
what the channel *can* hold and who *can* read it, per company.

The security measures are a summary of docs/crypto.md, whose sections they name, so the DPO
can follow each claim to its description and its tests.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from config import COUNTRY_NAMES, Settings
from portal.cases.concerned_person import MAX_DEFERRAL_DAYS
from portal.cases.keys import group_unit_ids, handlers_of_units
from portal.db import session_factory, transaction, utcnow
from portal.extensions import settings_of
from portal.models import OrgUnit
from portal.privacy_notice import privacy_notice

RECORD_FILE = "record-of-processing.md"
DPIA_FILE = "dpia-input.md"

PURPOSES = (
    "Receiving, following up and documenting reports of wrongdoing in the group's companies "
    "and supply chain (Directive 2019/1937; Norway: Working Environment Act ch. 2A; Sweden: "
    "Act 2021:890; Denmark: Act no. 1436 of 29 June 2021).",
    "Giving the reporter acknowledgement and feedback within the legal periods.",
    "Protecting reporters, facilitators and persons concerned against retaliation and "
    "disclosure.",
    "Due diligence in the supply chain (Norway: Transparency Act section 4) and the annual "
    "account, from content-free figures only.",
)
DATA_SUBJECTS = (
    "Reporters (employees, workers at suppliers anywhere, customers, others), anonymous by "
    "default.",
    "Persons concerned: those a report is about, and witnesses or others named in it.",
    "Staff: case handlers, managers, compliance officers, administrators and auditors "
    "(accounts, roles, the audit log).",
)
DATA_CATEGORIES = (
    "Report content: category, company, free text, attachments (metadata removed from JPEG, "
    "PNG and PDF), optional contact details; may contain special categories (Art. 9) and data "
    "on offences (Art. 10). Sealed (docs/crypto.md §2).",
    "Dialogue: messages between reporter and handlers, internal notes, minutes of oral "
    "reports and meetings, escalation summaries. Sealed.",
    "Art. 14 task: decision, reason code and dates in clear; the justification sealed.",
    "Case metadata in clear: dates (the reporter's to the day), status, category, company, "
    "channel, outcome, supplier link, legal hold.",
    "Staff accounts: name, e-mail, roles, company memberships, password hash (Argon2id), "
    "TOTP secret (sealed), public keys and certificates; the audit log (who did what when, "
    "never content).",
    "Not collected: IP addresses, user agents, tracking cookies (docs/crypto.md §1).",
)
SECURITY_MEASURES = (
    "Encryption of every item of a case under a per-case key, AES-256-GCM with per-item "
    "subkeys bound to case, item and kind (docs/crypto.md §2, §3.2).",
    "Case keys wrapped per recipient with HPKE, hybrid post-quantum ML-KEM-768 + X25519 "
    "(docs/crypto.md §3.5); staff private keys sealed under Argon2id of the password and a "
    "server secret (§3.4, §4).",
    "Recipients limited by certified key authority (Ed25519 certificates over role and "
    "companies, four-eyes approval) and conflict-of-interest exclusion with key rotation "
    "(docs/crypto.md §3.12, §5a).",
    "Reporter access by a 100-bit case code, never stored; look-up by keyed hash (docs/"
    "crypto.md §3.7); attachments streamed with chunked AEAD (§3.8).",
    "Offline recovery key: the private part exists only on the printed recovery sheet, "
    "whose holder can give access to every case (docs/crypto.md §3.9, §5).",
    "Sign-in with password and mandatory TOTP; server-side sessions with short idle "
    "time-outs; strict CSP, no third-party resources, rate limits (docs/architecture.md, "
    "Hardening).",
    "Tamper-evident audit log: keyed hash chain with anchors outside the database "
    "(docs/architecture.md).",
    "Retention: closed cases purged after the company's period, leaving a content-free "
    "statistics row; legal hold recorded (`aktsom purge`).",
    "Residual risks and their treatment: docs/crypto.md §5.",
)
RISKS = (
    ("Disclosure of the reporter's identity, leading to retaliation",
     "Anonymous by default, no IP or device data, metadata removed from files, sealed "
     "content, exclusion of conflicted handlers, the person concerned never told who "
     "reported."),
    ("Unauthorised reading of reports (insider, database copy, backup)",
     "End-to-end sealing per case, certified recipients, four-eyes approval of key "
     "authority, audit log; the recovery sheet kept offline under dual control."),
    ("Persons concerned not informed, or informed too early",
     "Art. 14 task on every case: due one month after receipt; a deferral needs a reason "
     f"code, a sealed justification and a review day at most {MAX_DEFERRAL_DAYS} days ahead; "
     "overdue tasks flagged in the case list."),
    ("Keeping data longer than necessary",
     "Retention period per company, automatic purge, legal hold only with a record."),
    ("Inaccurate or irrelevant data",
     "Reporter can add and correct through the dialogue; minutes checked by the reporter; "
     "handlers document the follow-up."),
    ("Loss of availability (lost keys)",
     "Offline recovery key; backups of database, file store and server-keys file."),
)


def _lines(items: tuple[str, ...]) -> list[str]:
    return [f"- {item}" for item in items]


def _company_rows(db: Session, settings: Settings) -> list[str]:
    rows = ["| company | code | country | controller | DPO | retention after closing | "
            "designated handlers | supervisory authority |",
            "|---|---|---|---|---|---|---|---|"]
    group_ids = group_unit_ids(db)
    units = list(db.scalars(select(OrgUnit).order_by(OrgUnit.is_group, OrgUnit.name)))
    for unit in units:
        notice = privacy_notice(db, settings, unit)
        authority = notice.supervisory_authority
        handlers = len(handlers_of_units(db, [unit.id]))
        rows.append(
            f"| {unit.name}{' (group level)' if unit.is_group else ''} | {unit.code} | "
            f"{COUNTRY_NAMES.get(notice.country or '', notice.country or '–')} | "
            f"{notice.controller.name} | {notice.controller.dpo or '–'} | "
            f"{notice.retention_days} days | {handlers} | "
            f"{authority.name + ' ' + authority.url if authority else 'not configured'} |")
    default = privacy_notice(db, settings, None)
    rows.append(f"| No company chosen (to the group level) | – | – | {default.controller.name} "
                f"| {default.controller.dpo or '–'} | {default.retention_days} days | "
                f"{len(handlers_of_units(db, group_ids))} | – |")
    return rows


def _legal_bases(db: Session, settings: Settings) -> list[str]:
    countries = sorted({unit.country.upper() for unit in db.scalars(select(OrgUnit))
                        if unit.country})
    lines = ["- GDPR Art. 6(1)(c) (legal obligation under the whistleblowing law); Art. "
             "6(1)(f) for reports from outside the companies and about suppliers.",
             "- GDPR Art. 9(2)(b) and (f) for special categories; Art. 10 with the national "
             "provisions below."]
    for country in countries or [""]:
        text, _default = settings.privacy.legal_basis(country or None)
        lines.append(f"- {country or 'Any country'}: {text}")
    return lines


def _recipients(settings: Settings) -> list[str]:
    return [
        "- The designated case handlers of the company concerned; the group's case handlers "
        "when the reporter leaves out every handler of the company or chooses no company.",
        "- Other designated handlers with whom a case is shared (each grant audited).",
        "- A manager deciding measures: a summary written by the handler, not the report.",
        "- The holder of the offline recovery sheet (can give access to every case).",
        "- Public authorities where the law requires or allows it.",
        *_processors(settings),
    ]


def _processors(settings: Settings) -> list[str]:
    lines = []
    for processor in settings.privacy.processors:
        where = f", {processor.location}" if processor.location else ""
        lines.append(f"- Processor: {processor.name} ({processor.purpose}{where}).")
    if not settings.privacy.processors:
        lines.append("- Processors: none configured ([[privacy.processors]]); add the hosting "
                     "and mail providers.")
    return lines


def record_of_processing(db: Session, settings: Settings, now: datetime) -> str:
    """The Art. 30(1) record of the whistleblowing channel, in Markdown."""
    controller = settings.privacy.controller_for(None, settings.organisation_name)
    transfers = settings.privacy.transfers or ("None configured ([privacy] transfers): state "
                                               "whether any data leave the EEA.")
    parts = [
        f"# Record of processing activities: whistleblowing channel ({controller.name})",
        "",
        f"Generated by `aktsom privacy-record` on {now.date().isoformat()} from the "
        "configuration. GDPR Article 30(1).",
        "",
        "## Controller, contact and data protection officer (Art. 30(1)(a))",
        "",
        f"- Controller: {controller.name}",
        f"- Contact: {controller.contact or 'not configured ([privacy] contact)'}",
        f"- Data protection officer: {controller.dpo or 'not configured ([privacy] dpo)'}",
        "- Each company of the group is the controller of the reports about it:",
        "",
        *_company_rows(db, settings),
        "",
        "## Purposes (Art. 30(1)(b))",
        "",
        *_lines(PURPOSES),
        "",
        "## Legal bases",
        "",
        *_legal_bases(db, settings),
        "",
        "## Categories of data subjects and of personal data (Art. 30(1)(c))",
        "",
        *_lines(DATA_SUBJECTS),
        "",
        *_lines(DATA_CATEGORIES),
        "",
        "## Recipients (Art. 30(1)(d))",
        "",
        *_recipients(settings),
        "",
        "## Transfers to third countries (Art. 30(1)(e))",
        "",
        f"- {transfers}",
        "",
        "## Time limits for erasure (Art. 30(1)(f))",
        "",
        "- Per company, in the table above: days after the case is closed; then `aktsom "
        "purge` deletes the case and leaves a content-free statistics row. A legal hold "
        "keeps a case and is recorded in the audit log.",
        "",
        "## Technical and organisational security measures (Art. 30(1)(g), Art. 32)",
        "",
        *_lines(SECURITY_MEASURES),
        "",
    ]
    return "\n".join(parts)


def dpia_input(db: Session, settings: Settings, now: datetime) -> str:
    """Input for the Art. 35 impact assessment: the description, necessity, risks and
    measures the DPO weighs; the assessment itself is theirs."""
    parts = [
        "# DPIA input sheet: whistleblowing channel",
        "",
        f"Generated by `aktsom privacy-record` on {now.date().isoformat()}. GDPR Article "
        "35(7); the assessment and its conclusion are the controller's.",
        "",
        "## Why an assessment is likely required",
        "",
        "- Special categories and data on offences may be processed (Art. 35(3)(b)); "
        "vulnerable data subjects (employees, workers at suppliers abroad); the persons "
        "concerned are not told at once (Art. 14(5)(b)).",
        "",
        "## Systematic description (Art. 35(7)(a))",
        "",
        *_lines(PURPOSES),
        "",
        *_lines(DATA_CATEGORIES),
        "",
        *_company_rows(db, settings),
        "",
        "## Necessity and proportionality (Art. 35(7)(b))",
        "",
        "- Anonymous reporting by default; only the form's fields are asked; metadata "
        "removed from files; data kept only until the retention period after closing.",
        "- Content readable only by designated recipients (see the record of processing).",
        "- Data subjects informed by the privacy notice per company (`/privacy/<code>`) and, "
        "for persons concerned, by the Art. 14 task on every case.",
        "",
        "## Risks to rights and freedoms, and measures (Art. 35(7)(c)(d))",
        "",
        "| risk | measures |",
        "|---|---|",
        *[f"| {risk} | {measure} |" for risk, measure in RISKS],
        "",
        "## Security measures",
        "",
        *_lines(SECURITY_MEASURES),
        "",
        "## Processors and transfers",
        "",
        *_processors(settings),
        f"- Transfers: {settings.privacy.transfers or 'not configured'}",
        "",
    ]
    return "\n".join(parts)


@click.command("privacy-record")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write record-of-processing.md and dpia-input.md into this directory "
                   "(default: both to standard output).")
@with_appcontext
def privacy_record_command(out_dir: Path | None) -> None:
    """Write the record of processing (GDPR Art. 30) and the DPIA input sheet (Art. 35)."""
    settings = settings_of()
    now = utcnow()
    with transaction(session_factory(current_app)) as db:
        documents = {RECORD_FILE: record_of_processing(db, settings, now),
                     DPIA_FILE: dpia_input(db, settings, now)}
    if out_dir is None:
        click.echo("\n\n".join(documents.values()))
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, text in documents.items():
        (out_dir / name).write_text(text, "utf-8")
    click.echo(f"Wrote {RECORD_FILE} and {DPIA_FILE} to {out_dir}.")

