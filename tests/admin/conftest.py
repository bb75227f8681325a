"""Fixtures of the staff-side tests (helpers are in tests/admin/helpers.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.admin.helpers import make_user as _make_user


@pytest.fixture
def make_user() -> Callable[..., Any]:
    """`make_user(app, roles=..., units=...) -> (user, password, totp_secret)`."""
    return _make_user
