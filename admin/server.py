"""`aktsom serve`: gunicorn in-process, with an access log that holds no client address."""

from __future__ import annotations

import gc
import logging
import re
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from gunicorn.app.base import BaseApplication
from gunicorn.config import Config
from gunicorn.glogging import Logger

from config import SettingsError, load_settings
from portal.hardening import GUNICORN_ACCESS_LOG_FORMAT, log_safe, loggable_path
from portal.metadata_sandbox import start_cleaning_fork_server
from portal.paths import STAFF_PREFIX

# gunicorn logs a refused request as "Invalid request from ip=ADDRESS: DETAIL", where DETAIL
# quotes the raw request line (query string and all).
_INVALID_REQUEST = re.compile(r"^Invalid request from ip=")
_ADDRESS_FIELD = re.compile(r"\bip=\S+")


class AddressFreeErrorLog(logging.Filter):
    """Keeps client addresses, query strings and control characters out of gunicorn's error
    log, as the access-log format keeps them out of the access log."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _INVALID_REQUEST.match(message):
            record.msg, record.args = "Invalid request refused (address and request not logged)", ()
        elif message.startswith("Error handling request ") and isinstance(record.args, tuple):
            # gunicorn's arguments: the method and the full URI, query string included.
            record.args = tuple(loggable_path(str(item)) for item in record.args)
        elif "ip=" in message:
            record.msg, record.args = log_safe(_ADDRESS_FIELD.sub("ip=-", message)), ()
        return True


class AktsomAccessLogger(Logger):  # type: ignore[misc]
    """gunicorn's logger, with secret path segments redacted from the access log, every
    logged request field escaped, and no client address in the error log either."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        if not any(isinstance(item, AddressFreeErrorLog) for item in self.error_log.filters):
            self.error_log.addFilter(AddressFreeErrorLog())

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        # gunicorn escapes `"` in every atom itself (SafeAtoms), the rest is ours.
        atoms["U"] = loggable_path(str(atoms.get("U", "")), quotes=False)
        atoms["m"] = log_safe(str(atoms.get("m", "")), quotes=False)
        return atoms


class AktsomServer(BaseApplication):  # type: ignore[misc]
    def __init__(self, app: Any, options: dict[str, Any]) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self.application


def gunicorn_options(host: str, port: int, workers: int) -> dict[str, Any]:
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        # Threads, so one slow upload does not hold up everyone when one worker serves (the
        # default: rate-limit counters in memory are per process). Few, as each sign-in or
        # follow-up runs Argon2 with its 64 MiB.
        "threads": 4,
        "accesslog": "-",
        "access_log_format": GUNICORN_ACCESS_LOG_FORMAT,
        "logger_class": AktsomAccessLogger,
        "errorlog": "-",
        # Uploads of several large attachments from a slow phone or over Tor take time.
        "timeout": 300,
        "forwarded_allow_ips": "127.0.0.1,::1",
        "proxy_allow_ips": "127.0.0.1,::1",
        "post_worker_init": ready_worker,
        **_without_control_socket(),
    }


def ready_worker(_worker: object) -> None:
    """Once a worker has loaded the application, before its first request (issue 15):

    * start the fork server that makes the metadata-cleaning children, so the first photo
      does not wait while it imports the cleaners (about 2 s here);
    * freeze what is loaded (modules, templates, catalogues: about 160 000 objects), so the
      collector's full passes, which came every twenty reports or so and walked all of it
      for 80-100 ms of CPU, walk only what requests make. Nothing loaded at start is ever
      garbage the collector would have to find."""
    start_cleaning_fork_server()
    gc.freeze()


def _without_control_socket() -> dict[str, Any]:
    # gunicorn 25.1 added a control socket (in $XDG_RUNTIME_DIR or ~/.gunicorn) through which
    # anyone running as the same user can change the worker count or reload the app. Aktsom
    # never uses it. Older gunicorn has neither the socket nor the setting.
    return {"control_socket_disable": True} if "control_socket_disable" in Config().settings \
        else {}


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--app", "which", type=click.Choice(["all", "portal", "admin"]), default="all",
              show_default=True, help=f"all mounts the staff app under {STAFF_PREFIX}.")
@click.option("--workers", type=int, default=None,
              help="Worker processes (default: AKTSOM_WORKERS, 1). More than one needs "
                   "AKTSOM_REDIS_URL.")
@with_appcontext
def serve_command(host: str, port: int, which: str, workers: int | None) -> None:
    """Serve with gunicorn (production WSGI server)."""
    from admin.accounts.setup import first_admin_hint
    from admin.wsgi import build_wsgi_app
    from portal.audit import anchor_chain_head
    from portal.db import (
        UnsafeDatabaseSettings,
        engine_of,
        refresh_statistics,
        session_factory,
        transaction,
    )
    from portal.extensions import settings_of
    from portal.recovery import sweep_file_store
    from portal.serverkeys import keys_file_exposure

    try:
        settings = load_settings() if workers is None else load_settings(workers=workers)
    except SettingsError as error:
        raise click.UsageError(str(error)) from None
    # The app's own settings: the files beside the keys file are the ones its workers use.
    exposure = keys_file_exposure(settings_of())
    if exposure:
        click.echo(exposure, err=True)
    try:
        refresh_statistics(engine_of(current_app))
        with transaction(session_factory(current_app)) as db:
            problem = anchor_chain_head(db, settings_of())
    except UnsafeDatabaseSettings as error:
        raise click.ClickException(str(error)) from None
    if problem:
        click.echo(f"Warning: {problem}", err=True)
    swept = sweep_file_store(current_app)
    if swept:
        click.echo(f"Removed {swept} stored files that no case refers to (interrupted uploads).")
    app = build_wsgi_app(which, settings)
    click.echo(f"Serving Aktsom on http://{host}:{port}/ (staff side: {STAFF_PREFIX}/)")
    hint = first_admin_hint(current_app, host, port) if which != "portal" else None
    if hint:
        click.echo(hint)
    AktsomServer(app, gunicorn_options(host, port, settings.workers)).run()
