"""Commands `aktsom users create|list` and `aktsom audit verify` (design §6)."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from admin.accounts.services import create_user, key_status
from admin.accounts.totp import provisioning_uri
from portal.audit import anchor_holds, verify_chain
from portal.db import session_factory, transaction
from portal.extensions import server_keys_of, settings_of
from portal.models import OrgUnit, Role, User
from portal.outside_records import anchors_file, read_anchors
from portal.refusals import Refusal
from portal.units import units_by_code


def register_commands(group: click.Group) -> None:
    """Add the `users` and `audit` command groups to the `aktsom` group."""
    group.add_command(users)
    group.add_command(audit)


users = AppGroup("users", help="Staff accounts.")
audit = AppGroup("audit", help="The audit trail.")

_ROLE_NAMES = [role.value for role in Role]


def _read_password() -> str:
    # Only the line terminator is stripped: spaces may be part of a passphrase.
    return sys.stdin.readline().removesuffix("\n").removesuffix("\r")


@users.command("create")
@click.option("--email", required=True, help="Sign-in email address.")
@click.option("--name", required=True, help="The person's name.")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice(_ROLE_NAMES, case_sensitive=False),
              help="A role; repeat for several.")
@click.option("--unit", "units", multiple=True, metavar="CODE",
              help="Code of an org unit the user works for; repeat for several.")
@click.option("--password-stdin", "password_stdin", is_flag=True,
              help="Read the password from standard input (never from the command line).")
def create_user_command(
    email: str, name: str, roles: tuple[str, ...], units: tuple[str, ...], password_stdin: bool
) -> None:
    """Make a staff user (key approved at once) and print the TOTP otpauth:// URI."""
    if not password_stdin:
        raise click.UsageError("give the password on standard input with --password-stdin")
    password = _read_password()
    settings = settings_of()
    keys = server_keys_of()
    try:
        with transaction(session_factory(current_app)) as db:
            created = create_user(
                db, costs=settings.argon2, keys=keys, email=email, name=name,
                password=password, roles=[Role(role.lower()) for role in roles],
                units=units_by_code(db, units),
            )
            user_email, secret = created.user.email, created.totp_secret
    except Refusal as refused:
        raise click.ClickException(str(refused)) from None
    click.echo(f"Created user {user_email} ({', '.join(sorted(set(roles)))}).")
    click.echo("Add this to an authenticator app (it is shown once):")
    click.echo(provisioning_uri(secret, user_email, settings.organisation_name))


@users.command("list")
def list_users() -> None:
    """List the staff users with roles, units and status."""
    keys = server_keys_of()
    with transaction(session_factory(current_app)) as db:
        codes = dict(db.execute(select(OrgUnit.id, OrgUnit.code)).all())
        for user in db.scalars(select(User).order_by(User.email)):
            roles = ",".join(sorted(item.role.value for item in user.roles)) or "-"
            unit_codes = ",".join(sorted(codes.get(uid, "?") for uid in user.unit_ids)) or "-"
            status = "disabled" if user.disabled else "active"
            key = f"key-{key_status(user, keys)}"
            click.echo(f"{user.email}\t{user.name}\t{roles}\t{unit_codes}\t{status}\t{key}")


@audit.command("verify")
@click.option("--anchor", "anchors", multiple=True, metavar="SEQ:MAC",
              help="An anchor printed by an earlier run; checks no event up to it went.")
def verify_audit_command(anchors: tuple[str, ...]) -> None:
    """Check the audit hash chain and the anchors kept beside the server-keys file; exit code
    1 naming the first bad event or the first anchor the chain no longer holds."""
    anchor_path = anchors_file(settings_of())
    written = read_anchors(anchor_path)
    with transaction(session_factory(current_app)) as db:
        report = verify_chain(db, server_keys_of().audit, written)
        missing = [anchor for anchor in anchors if not anchor_holds(db, anchor)]
    if report.first_bad_seq is not None:
        click.echo(f"Audit chain BROKEN at seq {report.first_bad_seq} "
                   f"({report.events} events read).", err=True)
        click.get_current_context().exit(1)
    if report.cut_anchor is not None:
        click.echo(f"Audit chain CUT: anchor {report.cut_anchor} in {anchor_path} is no longer "
                   f"in the chain (events were removed from the end; {report.events} events "
                   "read).", err=True)
        click.get_current_context().exit(1)
    if missing:
        click.echo(f"Audit chain CUT: anchor {missing[0]} is no longer in the chain "
                   "(events were removed).", err=True)
        click.get_current_context().exit(1)
    click.echo(f"Audit chain intact: {report.events} events.")
    click.echo(f"Checked against {len(written)} anchors kept in {anchor_path}.")
    if report.anchor:
        click.echo(f"Anchor (note it outside this system; pass it to --anchor next time): "
                   f"{report.anchor}")
