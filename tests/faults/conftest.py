"""Fault tests (issue 15 §9) reuse the reporter side's organisation: two companies, handlers
and a recovery key."""

from tests.portal.conftest import organisation  # noqa: F401 (a fixture, re-exported)
