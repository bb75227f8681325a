"""The database layer both apps share: engine, typed declarative base, one session per request.

Services take a `Session` and never commit; the request boundary (`init_db`'s hooks) or the
CLI command (`transaction`) commits or rolls back exactly once.

What a service does outside the database is tied to that one commit through two
request-scoped queues on the session: `after_commit` queues a side effect (a mail) that runs
only once the transaction has committed, and `on_rollback` records an undo (delete a file just
written) that runs if the transaction ends any other way: rolled back, failed to commit, or
closed without a commit. Views therefore never commit and never clean up.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g
from sqlalchemy import DateTime, Engine, MetaData, String, create_engine, event, text
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, SessionTransaction, sessionmaker
from sqlalchemy.types import TypeDecorator

_AFTER_COMMIT = "aktsom.after_commit"
_ON_ROLLBACK = "aktsom.on_rollback"
_DISCARD = "aktsom_discard_changes"
# Set by portal.outage: the 503 page that keeps the typed text (issue 15 §9).
OUTAGE_RESPONSE = "aktsom.outage_response"
_log = logging.getLogger("aktsom.db")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on every backend (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


def new_id() -> str:
    """Random row ids: nothing about order or volume leaks through URLs."""
    return uuid.uuid4().hex


ID = String(32)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UnsafeDatabaseSettings(RuntimeError):
    """The database is configured so that a commit may vanish after it was reported done.

    A reporter then holds a code for a case that no longer exists (issue 15 §9), so Aktsom
    refuses to use such a database rather than show codes it cannot keep.
    """


# PostgreSQL settings under which a committed transaction can be lost on a crash or power cut.
# `synchronous_commit = local` or `remote_write` still flush the local WAL: those are safe here.
_UNSAFE_POSTGRES_SETTINGS = {"synchronous_commit": "off", "fsync": "off"}


def check_postgres_durability(dbapi_connection: Any) -> None:
    """Raise UnsafeDatabaseSettings if this PostgreSQL session could lose a commit."""
    cursor = dbapi_connection.cursor()
    try:
        for name, unsafe in _UNSAFE_POSTGRES_SETTINGS.items():
            cursor.execute(f"SHOW {name}")
            row = cursor.fetchone()
            if row is not None and str(row[0]).lower() == unsafe:
                raise UnsafeDatabaseSettings(
                    f"PostgreSQL runs with {name}={unsafe}: a commit reported to a reporter "
                    f"could be lost in a crash. Set {name} to on (ALTER DATABASE ... SET "
                    f"{name} = on, or in postgresql.conf) before starting Aktsom."
                )
    finally:
        cursor.close()
    # SHOW opened a transaction under psycopg's default; leave the connection as it came.
    dbapi_connection.rollback()


def make_engine(database_url: str) -> Engine:
    """An engine with SQLite made safe for a web app: WAL, foreign keys, a busy timeout.

    Commits are durable before the request that made them answers (issue 15 §9): SQLite runs
    WAL with `synchronous=FULL` (NORMAL may lose the last commits on power loss, and a
    reporter would hold a code for a case that no longer exists; FULL syncs the log at every
    commit), and PostgreSQL connections refuse `synchronous_commit=off` or `fsync=off`.
    """
    if database_url.startswith("sqlite"):
        engine = create_engine(
            database_url, connect_args={"timeout": 30, "check_same_thread": False}
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            # Deleted content must not linger in free pages of the file.
            cursor.execute("PRAGMA secure_delete=ON")
            cursor.close()

        return engine
    engine = create_engine(database_url, pool_pre_ping=True)
    if engine.dialect.name == "postgresql":

        @event.listens_for(engine, "connect")
        def _postgres_durability(dbapi_connection: Any, _record: Any) -> None:
            check_postgres_durability(dbapi_connection)

    return engine


def after_commit(session: Session, action: Callable[[], object]) -> None:
    """Run `action` once `session`'s transaction has committed; drop it if it does not.

    For side effects nobody may see for a change that was rolled back (a mail to staff).
    The action must not touch `session` (it runs after the transaction ended) and should not
    raise: a failure is logged without detail and never undoes the commit.
    """
    session.info.setdefault(_AFTER_COMMIT, []).append(action)


def on_rollback(session: Session, action: Callable[[], object]) -> None:
    """Undo `action` (e.g. delete a file just written) unless the transaction commits."""
    session.info.setdefault(_ON_ROLLBACK, []).append(action)


def _run_all(actions: list[Callable[[], object]], what: str) -> None:
    for action in actions:
        try:
            action()
        except Exception:  # noqa: BLE001 (one failed side effect must not stop the others)
            # No exception text: it could name a recipient or a stored file.
            _log.warning("%s failed", what)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop(_ON_ROLLBACK, None)
    _run_all(session.info.pop(_AFTER_COMMIT, []), "an after-commit action")


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    # Only the outermost transaction decides; a savepoint's end says nothing yet. After a
    # commit `_after_commit` has emptied both queues, so what is left here was not committed.
    if transaction.parent is not None:
        return
    session.info.pop(_AFTER_COMMIT, None)
    _run_all(list(reversed(session.info.pop(_ON_ROLLBACK, []))), "an undo after rollback")


def discard_changes() -> None:
    """Roll the request's transaction back at its end whatever the response status.

    For refusals answered with a redirect: a service that refused after changing something
    must not have that change committed because the answer happens to be a 303.
    """
    g.setdefault(_DISCARD, True)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work for the CLI and background jobs: commit on success, else roll back."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def refresh_statistics(engine: Engine) -> None:
    """Give SQLite's query planner table statistics (ANALYZE).

    Without them SQLite guesses, and the case list at 100 000 cases picks slow plans (see
    benchmarks/case_list_bench.py: the deep pages and rare filters get 3 to 100 times faster).
    `aktsom serve` runs this at start and `aktsom purge` after purging; PostgreSQL's
    autovacuum keeps its own statistics.
    """
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            connection.execute(text("ANALYZE"))
            connection.commit()


def checkpoint_wal(engine: Engine) -> None:
    """Copy SQLite's write-ahead log into the database file and empty it (TRUNCATE).

    Run after a commit that deleted key material: until a checkpoint, the log still holds the
    pages as they were, so a copy of the log would hold what was deleted. `secure_delete` then
    keeps the freed space in the file zeroed. PostgreSQL keeps dead rows until VACUUM (see
    docs/crypto.md); nothing is done for it here.
    """
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as connection:
        busy = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()
    if busy is not None and busy[0]:
        # A reader kept the log from being emptied; the next checkpoint will.
        _log.warning("the write-ahead log could not be emptied yet")


def init_db(app: Flask, engine: Engine) -> None:
    """Wire the session factory and the per-request transaction into `app`."""
    bind_engine(app, engine)

    @app.after_request
    def _commit(response: Response) -> Response:
        # The one commit of the request. If it fails, the exception turns the response into
        # an error page, so nothing rendered for a committed state (a case code) is shown.
        session: Session | None = g.pop("db_session", None)
        if session is None:
            return response
        try:
            if response.status_code < 400 and not g.pop(_DISCARD, False):
                session.commit()
            else:
                session.rollback()
        except (OperationalError, InterfaceError) as error:
            # The database went away (or the disk under SQLite failed) at the commit: the
            # page rendered for the committed state (a case code) must not be sent. The
            # outage page keeps what was typed instead of a bare 500.
            _quiet_rollback(session)
            outage = app.extensions.get(OUTAGE_RESPONSE)
            if outage is None:
                raise
            result: Response = outage(error)
            return result
        except BaseException:
            _quiet_rollback(session)
            raise
        finally:
            session.close()
        return response

    # On the app context, not the request: a session opened where no request runs (a CLI
    # command, a job) or in an app context pushed inside a request (which has its own `g`: a
    # string translated there reads the offered languages) is closed too. Its connection
    # stayed checked out, idle in a transaction, until garbage collection; on PostgreSQL a
    # TRUNCATE waited on it for ever.
    @app.teardown_appcontext
    def _close(_error: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            session.rollback()
            session.close()


def _quiet_rollback(session: Session) -> None:
    try:
        session.rollback()
    except (OperationalError, InterfaceError):
        # The connection is gone; the server rolls back what it never saw committed.
        _log.warning("rollback after a lost database connection failed")


def bind_engine(app: Flask, engine: Engine) -> Engine | None:
    """Make `app` use `engine` from its next session on; returns the engine it used before.
    (Tests point an app at a database that is down and back, issue 15 §9.)"""
    previous: Engine | None = app.extensions.get("aktsom.engine")
    app.extensions["aktsom.engine"] = engine
    app.extensions["aktsom.sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    return previous


def session_factory(app: Flask) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = app.extensions["aktsom.sessionmaker"]
    return factory


def engine_of(app: Flask) -> Engine:
    """The app's engine (for ANALYZE, a bare connection, or disposing of it in tests)."""
    engine: Engine = app.extensions["aktsom.engine"]
    return engine


def db_session() -> Session:
    """The request's session, opened on first use."""
    from flask import current_app

    if "db_session" not in g:
        g.db_session = session_factory(current_app)()
    session: Session = g.db_session
    return session
