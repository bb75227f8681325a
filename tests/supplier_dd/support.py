"""Shared pieces of the supplier register tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.db import session_factory, transaction
from supplier_dd.models import Supplier


@contextmanager
def db_of(app: Flask) -> Iterator[Session]:
    """One committed transaction inside the app's context."""
    with app.app_context(), transaction(session_factory(app)) as db:
        yield db


def supplier_count(app: Flask) -> int:
    with db_of(app) as db:
        return db.scalar(select(func.count()).select_from(Supplier)) or 0
