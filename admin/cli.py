"""The `aktsom` console script: one Flask group, assembled from each package's commands."""

from __future__ import annotations

from typing import Any

import click
from flask import Flask
from flask.cli import FlaskGroup

import admin
from admin.accounts.cli import register_commands as register_account_commands
from admin.annual.cli import register_commands as register_annual_commands
from admin.backup_cli import backup_command, restore_command
from admin.cases.cli import register_commands as register_case_commands
from admin.demo import demo_command
from admin.doctor import doctor_command
from admin.privacy_record import privacy_record_command
from admin.scheduled_jobs import SCHEDULED_COMMANDS, with_heartbeat
from admin.server import serve_command
from portal.cli import register_commands as register_portal_commands
from supplier_dd.cli import register_commands as register_supplier_commands


def _make_app() -> Flask:
    return admin.create_app()


class AktsomGroup(FlaskGroup):
    """The scheduled jobs (admin.scheduled_jobs) record a heartbeat for `aktsom doctor`,
    whichever package added them and whenever."""

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is not None and name in SCHEDULED_COMMANDS:
            return with_heartbeat(command)
        return command


@click.group(cls=AktsomGroup, create_app=_make_app, add_default_commands=False,
             add_version_option=False, load_dotenv=False)
def cli() -> None:
    """Aktsom: a hardened whistleblowing channel with supplier due diligence."""


register_portal_commands(cli)
register_account_commands(cli)
register_case_commands(cli)
register_supplier_commands(cli)
register_annual_commands(cli)
cli.add_command(serve_command)
cli.add_command(demo_command)
cli.add_command(privacy_record_command)
cli.add_command(doctor_command)
cli.add_command(backup_command)
cli.add_command(restore_command)


def main(*args: Any) -> Any:
    return cli.main(*args)
