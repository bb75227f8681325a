"""`aktsom privacy-record` (GDPR Art. 30 and 35, issue 11 §9): the record of processing and the
DPIA input sheet from the configuration: controllers, categories, recipients, retention per
company, security measures with their docs/crypto.md sections, processors, transfers; and
nothing of any case."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

from flask import Flask

from config.privacy import Controller, PrivacySettings, Processor
from portal.db import session_factory, transaction
from portal.extensions import SETTINGS, settings_of
from portal.models import OrgUnit
from tests.admin.case_support import new_case
from tests.conftest import AktsomRunner
from tests.factories import make_handler, make_recovery_key, make_unit

ROOT = Path(__file__).resolve().parents[2]


def _app(app: Flask) -> Flask:
    privacy = PrivacySettings(
        controller=Controller(name="Example Group AS", contact="privacy@example.org",
                              dpo="dpo@example.org"),
        units={"NORDIC": Controller(name="Nordic Security AS")},
        processors=(Processor("Hosting AS", "Hosting of the server", "Norway"),),
        transfers="None: hosted in Norway.",
    )
    app.extensions[SETTINGS] = dataclasses.replace(settings_of(app), privacy=privacy)
    nordic = make_unit(app, "NORDIC", "Nordic Security AS")
    make_unit(app, "SVEA", "Svea Säkerhet AB")
    make_unit(app, "GROUP", "Group compliance", is_group=True)
    with app.app_context(), transaction(session_factory(app)) as db:
        unit = db.query(OrgUnit).filter_by(code="NORDIC").one()
        unit.country, unit.retention_days = "NO", 90
        db.query(OrgUnit).filter_by(code="SVEA").one().country = "SE"
    make_handler(app, "Alice", [nordic])
    make_recovery_key(app)
    return app


def test_writes_both_documents(admin_app: Flask, tmp_path: Path) -> None:
    app = _app(admin_app)
    with app.app_context(), transaction(session_factory(app)) as db:
        nordic = db.query(OrgUnit).filter_by(code="NORDIC").one().id
    new_case(app, nordic, "CASE-MARKER-4411 secret content")
    out = tmp_path / "dpo"
    result = AktsomRunner(app).invoke(args=["privacy-record", "--out", str(out)])
    assert result.exit_code == 0, result.output
    record = (out / "record-of-processing.md").read_text("utf-8")
    dpia = (out / "dpia-input.md").read_text("utf-8")
    # Art. 30(1)(a)-(g).
    for shown in ("Example Group AS", "privacy@example.org", "dpo@example.org",
                  "Art. 30(1)(b)", "Art. 30(1)(c)", "Art. 30(1)(d)", "Art. 30(1)(e)",
                  "Art. 30(1)(f)", "Art. 30(1)(g)", "Hosting AS", "None: hosted in Norway."):
        assert shown in record
    # Retention and controller per company, the unit's own period and the default.
    assert re.search(r"\| Nordic Security AS \| NORDIC \| Norway \| Nordic Security AS \|.*"
                     r"\| 90 days \| 1 \| Datatilsynet https://www.datatilsynet.no/ \|", record)
    assert re.search(r"\| Svea Säkerhet AB \| SVEA \| Sweden \| Example Group AS \|.*"
                     r"\| 730 days \|", record)
    assert "2021:890" in record and "chapter 2A" in record
    assert "recovery sheet" in record
    for shown in ("Art. 35(7)(a)", "Art. 35(7)(b)", "Art. 35(7)(c)", "Hosting AS"):
        assert shown in dpia
    # Nothing of any case.
    assert "CASE-MARKER" not in record + dpia


def test_security_measures_name_existing_crypto_sections(admin_app: Flask) -> None:
    app = _app(admin_app)
    result = AktsomRunner(app).invoke(args=["privacy-record"])
    assert result.exit_code == 0, result.output
    crypto = (ROOT / "docs" / "crypto.md").read_text("utf-8")
    headings = set(re.findall(r"^#{2,3} (\d+[a-z]?(?:\.\d+)?)[. ]", crypto, re.M))
    cited = set(re.findall(r"§(\d+[a-z]?(?:\.\d+)?)", result.output))
    assert cited, "no section of docs/crypto.md is cited"
    assert cited <= headings, cited - headings


def test_without_configuration_the_gaps_are_named(runner: Any) -> None:
    result = runner.invoke(args=["privacy-record"])
    assert result.exit_code == 0, result.output
    assert "not configured ([privacy] dpo)" in result.output
    assert "none configured ([[privacy.processors]])" in result.output
