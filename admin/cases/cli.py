"""Case commands of `aktsom`: `recover`, `purge` and `notify-deadlines` (design §6).

`recover` is design §6's `aktsom recover --recovery-sheet PATH --to EMAIL`, extended (issue 11
§3) with the scope it must be given: `--unit CODE` or `--all-units`; without either it refuses.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from functools import partial
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from admin.annual.accounts import remind_annual_account
from admin.auth.enrolment import ENROLMENT_LIFETIME, ENROLMENT_SESSION_KIND
from admin.information.cli import purge_information_requests, remind_information_requests
from config import Settings
from crypto import InvalidRecoverySheet, parse_recovery_sheet
from portal.access import STAFF_SESSION_KIND
from portal.cases.access_grants import RecoveryKeyMismatch, recover_all_cases
from portal.cases.concerned_person import (
    concerned_person_reminders,
    mark_concerned_person_reminded,
)
from portal.cases.legal_holds import legal_hold_reminders, mark_holds_reminded
from portal.cases.retention import REVIEW_NOTICE_DAYS, purge_expired_cases
from portal.cases.work_environment import (
    WORK_ENVIRONMENT_DUE,
    mark_checks_reminded,
    work_environment_reminders,
)
from portal.db import (
    after_commit,
    engine_of,
    refresh_statistics,
    session_factory,
    transaction,
    utcnow,
)
from portal.extensions import server_keys_of, settings_of
from portal.models import User
from portal.notifications import (
    CONCERNED_PERSON_DUE,
    LEGAL_HOLD_REVIEW,
    acknowledgement_reminders,
    feedback_reminders,
    mark_reminded,
    meeting_reminders,
    queue_outbox,
    release_pending,
)
from portal.refusals import Refusal
from portal.reports.session import KIND as REPORTER_KIND
from portal.reports.session import NOTICES_KIND, NOTICES_LIFETIME, SUBMITTED_KIND
from portal.server_sessions import purge_expired_sessions
from portal.staff_drafts import DRAFT_KIND, DRAFT_LIFETIME
from portal.states import GrantReason
from portal.storage import file_store
from portal.units import units_by_code


def register_commands(group: click.Group) -> None:
    """Add the case commands to the `aktsom` group."""
    group.add_command(recover_command)
    group.add_command(purge_command)
    group.add_command(notify_deadlines_command)
    group.add_command(notify_command)


def _read_sheet(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    return Path(path).read_text("utf-8")


_RECOVER_REASONS = [reason.value for reason in GrantReason if reason != GrantReason.OTHER]
RECOVER_SCOPE_NEEDED = (
    "name the cases to share: --unit CODE (that org unit's cases; repeat for several) or "
    "--all-units (every company's cases: the whole organisation)")


@click.command("recover")
@click.option("--recovery-sheet", "sheet_path", required=True,
              type=click.Path(dir_okay=False, allow_dash=True),
              help="The typed or scanned recovery sheet ('-' reads it from standard input).")
@click.option("--to", "email", required=True, help="Email address of the handler.")
@click.option("--unit", "unit_codes", multiple=True, metavar="CODE",
              help="Share only this org unit's cases (the group level's also takes the cases "
                   "of no company); repeat for several.")
@click.option("--all-units", "all_units", is_flag=True,
              help="Share every company's cases: the whole organisation.")
@click.option("--reason", type=click.Choice(_RECOVER_REASONS), default=None,
              help="Also share cases outside the handler's companies and the group level, "
                   "for this reason; each reporter is told in the dialogue.")
@with_appcontext
def recover_command(sheet_path: str, email: str, unit_codes: tuple[str, ...],
                    all_units: bool, reason: str | None) -> None:
    """Re-share cases (both keys) to a handler with the offline recovery key: one org unit's
    (--unit CODE), or the whole organisation's (--all-units) only when asked for."""
    if bool(unit_codes) == all_units:
        raise click.UsageError(RECOVER_SCOPE_NEEDED if not all_units
                               else "give either --unit or --all-units, not both")
    try:
        pair = parse_recovery_sheet(_read_sheet(sheet_path))
    except FileNotFoundError:
        raise click.ClickException("no such recovery sheet file") from None
    except InvalidRecoverySheet as error:
        # The message names the group with a typing error, never key material.
        raise click.ClickException(str(error)) from None
    with transaction(session_factory(current_app)) as db:
        user = db.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None:
            raise click.ClickException("there is no user with this email address")
        try:
            units = None if all_units else units_by_code(db, unit_codes)
            result = recover_all_cases(
                db, server_keys_of(), pair=pair, to_user=user,
                unit_ids=None if units is None else [unit.id for unit in units],
                include_unassigned=units is None or any(unit.is_group for unit in units),
                reason=GrantReason(reason) if reason else None)
        except RecoveryKeyMismatch:
            raise click.ClickException(
                "this recovery sheet does not belong to this installation") from None
        except Refusal as error:
            raise click.ClickException(str(error)) from None
    scope = "the whole organisation" if all_units else ", ".join(unit_codes)
    click.echo(f"Shared {result.shared} cases of {scope} with {user.email}.")
    if result.shared_beyond:
        click.echo(f"{result.shared_beyond} of them lie outside this person's companies; "
                   "their reporters have been told in the dialogue.")
    if result.skipped_excluded:
        click.echo(f"Skipped {result.skipped_excluded} cases this person is excluded from "
                   "(conflict of interest).")
    if result.skipped_boundary:
        click.echo(f"Skipped {result.skipped_boundary} cases outside this person's companies "
                   "and the group level; give --reason to share them too (their reporters "
                   "are then told).")
    if result.unreadable:
        click.echo(f"{result.unreadable} cases could not be opened with the recovery key.")


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Count what would be purged; change nothing.")
@with_appcontext
def purge_command(dry_run: bool) -> None:
    """Apply the retention policy: delete the content of cases closed long enough ago."""
    settings = settings_of()
    store = file_store()
    with transaction(session_factory(current_app)) as db:
        result = purge_expired_cases(db, settings, server_keys_of(), now=utcnow(),
                                     dry_run=dry_run)
        if dry_run:
            db.rollback()
        else:
            # Only after the commit: until then the rows still refer to the files.
            after_commit(db, partial(store.delete_all, result.files))
    if dry_run:
        click.echo(f"Would purge {result.purged} cases; {result.held} under legal hold would "
                   "be kept. Nothing was changed.")
        if result.lapsed:
            click.echo(f"{result.lapsed} legal holds are past their review date and would "
                       "lapse.")
        click.echo(purge_information_requests(session_factory(current_app), settings,
                                              utcnow(), dry_run=True))
    else:
        refresh_statistics(engine_of(current_app))
        click.echo(f"Purged {result.purged} cases and removed {len(result.files)} files; kept "
                   f"{result.held} under legal hold. Their statistics remain.")
        if result.lapsed:
            click.echo(f"{result.lapsed} legal holds passed their review date and lapsed; "
                       "the retention period applies to those cases again.")
        click.echo(purge_information_requests(session_factory(current_app), settings,
                                              utcnow(), dry_run=False))
    if not dry_run:
        click.echo(purge_idle_sessions(session_factory(current_app), settings))
    if result.review_soon:
        click.echo(f"Reminder: {result.review_soon} legal holds reach their review date within "
                   f"{REVIEW_NOTICE_DAYS} days. A handler of each case renews the hold with a "
                   "new date, or it lapses.")


def purge_idle_sessions(factory: sessionmaker[Session], settings: Settings) -> str:
    """Delete server-side sessions idle past their limit: sealed and useless without the
    browser's cookie, but each row still ties a time to a case (reporter, code page)."""
    limits = {REPORTER_KIND: timedelta(minutes=settings.reporter_idle_minutes),
              SUBMITTED_KIND: timedelta(minutes=settings.submitted_code_minutes),
              NOTICES_KIND: NOTICES_LIFETIME,
              STAFF_SESSION_KIND: timedelta(minutes=settings.staff_idle_minutes),
              ENROLMENT_SESSION_KIND: ENROLMENT_LIFETIME, DRAFT_KIND: DRAFT_LIFETIME}
    with transaction(factory) as db:
        removed = sum(purge_expired_sessions(db, kind=kind, idle=idle)
                      for kind, idle in limits.items())
    return f"Removed {removed} expired sessions."


@click.command("notify")
@with_appcontext
def notify_command() -> None:
    """Send the held-back staff notices that are due (AKTSOM_NOTIFICATION_DELAY_MINUTES)."""
    settings = settings_of()
    if not settings.smtp_url:
        click.echo("Notifications are not configured (AKTSOM_SMTP_URL); nothing was sent.")
        return
    with transaction(session_factory(current_app)) as db:
        sent = release_pending(db, settings, utcnow())
    click.echo(f"Sent {sent} notices.")


@click.command("notify-deadlines")
@with_appcontext
def notify_deadlines_command() -> None:
    """Remind handlers of cases whose acknowledgement is due within two days, of
    acknowledged cases whose feedback is due within two weeks, of requested meetings due
    within three days, of legal holds whose review date comes within two weeks, of cases
    whose person concerned is due to be informed (GDPR Art. 14) within three days, and of
    working-environment checks open for two weeks (once each); and the compliance officers
    of information requests due within five days, and once of last year's Transparency Act
    account before 30 June."""
    settings = settings_of()
    if not settings.smtp_url:
        click.echo("Notifications are not configured (AKTSOM_SMTP_URL); nothing was sent.")
        return
    now = utcnow()
    factory = session_factory(current_app)
    click.echo(remind_information_requests(factory, settings, server_keys_of(), now))
    click.echo(remind_annual_account(factory, settings, server_keys_of(), now))
    # Commit, then send: the reminders are committed to the outbox first, so a crash or a mail
    # server that is down loses nothing (the rows stay; this command or `aktsom notify` sends
    # them on the next run). The cases are marked only once mail went out.
    with transaction(factory) as db:
        batches = [batch for batch in (acknowledgement_reminders(db, now=now),
                                       feedback_reminders(db, now=now),
                                       meeting_reminders(db, now=now),
                                       legal_hold_reminders(db, now=now),
                                       concerned_person_reminders(db, now=now),
                                       # AML §2A-3(2): a working-environment check left open.
                                       work_environment_reminders(db, now=now))
                   if batch.case_ids]
        if not batches:
            click.echo("No case needs a reminder.")
            return
        for batch in batches:
            queue_outbox(db, batch.notice, now)
    sent = cases = 0
    for batch in batches:
        with transaction(factory) as db:
            mails = release_pending(db, settings, now, kind=batch.notice.kind)
            if mails == 0 and batch.notice.recipients:
                click.echo("Sending failed; the next run will try again.")
                return
            if batch.notice.kind == LEGAL_HOLD_REVIEW:
                mark_holds_reminded(db, batch.case_ids, now)
            elif batch.notice.kind == CONCERNED_PERSON_DUE:
                mark_concerned_person_reminded(db, batch.case_ids)
            elif batch.notice.kind == WORK_ENVIRONMENT_DUE:
                mark_checks_reminded(db, batch.case_ids, now)
            else:
                mark_reminded(db, batch.case_ids, now, kind=batch.notice.kind)
        sent, cases = sent + mails, cases + len(batch.case_ids)
    click.echo(f"Reminded {sent} handlers of {cases} cases.")
