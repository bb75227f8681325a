"""The audit action catalogue: every action recorded anywhere is a member with a label.

mypy enforces most of it (`record_event` takes a member of an `AuditActionCatalogue`); the
source scan below also catches a literal sneaking into a module mypy does not check, or an
`# type: ignore`.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import get_type_hints

import pytest
from flask import Flask
from flask_babel import LazyString, force_locale
from flask_babel import lazy_gettext as _l

from portal.audit import record_event
from portal.cases.handling import STATUS_ACTIONS, STATUS_CHANGES
from portal.states import (
    AUDIT_ACTION_LABELS,
    ActorKind,
    AuditAction,
    AuditActionCatalogue,
    audit_action_label,
)

ROOT = Path(__file__).resolve().parents[2]
# The functions that record an event, and where their action argument sits if positional.
RECORDERS = {"record_event": None, "audit": 3, "_audit": 3}


def test_every_action_has_a_distinct_english_label(portal_app: Flask) -> None:
    assert set(AUDIT_ACTION_LABELS) == set(AuditAction)
    with portal_app.test_request_context("/"):
        labels = [action.label for action in AuditAction]
    assert all(label.strip() for label in labels)
    assert len(set(labels)) == len(labels)


def test_labels_follow_the_request_language(portal_app: Flask) -> None:
    with portal_app.test_request_context("/"):
        assert AuditAction.SIGNED_IN.label == "Signed in"
        with force_locale("nb"):
            assert AuditAction.SIGNED_IN.label == "Logget inn"


def test_a_code_outside_the_catalogue_has_no_label(portal_app: Flask) -> None:
    with portal_app.test_request_context("/"):
        assert audit_action_label("case.purged") == "Case purged after the retention period"
        assert audit_action_label("user.renamed") is None


def test_record_event_is_typed_to_take_only_the_catalogue() -> None:
    """Only members of a catalogue (the portal's, or a feature package's subclass of the same
    base) can be recorded: never a spelled-out string."""
    hints = get_type_hints(record_event)
    assert hints["action"] is AuditActionCatalogue
    assert issubclass(AuditAction, AuditActionCatalogue)
    assert hints["actor_kind"] is ActorKind


class FeatureAction(AuditActionCatalogue):
    """What a feature package above portal (e.g. supplier_dd) declares for itself."""

    REVIEW_OPENED = "feature.review_opened"

    @classmethod
    def labels(cls) -> Mapping[StrEnum, LazyString]:
        return {cls.REVIEW_OPENED: _l("Contract review opened")}


def test_a_feature_package_adds_its_own_catalogue(portal_app: Flask) -> None:
    """The portal layer knows nothing of the modules above it, yet the auditor page labels
    their actions: a catalogue plugs in by subclassing the base."""
    with portal_app.test_request_context("/"):
        assert audit_action_label("feature.review_opened") == "Contract review opened"
        assert audit_action_label(AuditAction.SIGNED_IN.value) == "Signed in"
        assert audit_action_label("feature.unknown") is None


def _action_arguments(tree: ast.AST) -> list[ast.expr]:
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name not in RECORDERS:
            continue
        position = RECORDERS[name]
        found += [keyword.value for keyword in node.keywords if keyword.arg == "action"]
        if position is not None and len(node.args) > position:
            found.append(node.args[position])
    return found


def _spelled_out(argument: ast.expr) -> bool:
    """A string literal or f-string, also as a branch of a conditional."""
    if isinstance(argument, ast.IfExp):
        return _spelled_out(argument.body) or _spelled_out(argument.orelse)
    return isinstance(argument, ast.JoinedStr) or (
        isinstance(argument, ast.Constant) and isinstance(argument.value, str))


@pytest.mark.parametrize("package", ["portal", "admin", "supplier_dd"])
def test_no_action_is_recorded_from_a_spelled_out_string(package: str) -> None:
    offenders = []
    arguments = 0
    for path in sorted((ROOT / package).rglob("*.py")):
        for argument in _action_arguments(ast.parse(path.read_text("utf-8"))):
            arguments += 1
            if _spelled_out(argument):
                offenders.append(f"{path.relative_to(ROOT)}:{argument.lineno}")
    assert offenders == []
    if package != "supplier_dd":
        assert arguments > 0, "the scan found no recorded action: has a recorder been renamed?"


def test_every_reachable_status_change_is_a_catalogued_action() -> None:
    reachable = {status for targets in STATUS_CHANGES.values() for status in targets}
    assert set(STATUS_ACTIONS) == reachable
