"""`aktsom demo` makes an organisation one can sign in to and cases one can open."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select

from portal.db import session_factory, transaction
from portal.models import Case, CaseKeyWrap, User
from supplier_dd.models.actions import ActionItem, ActionKind
from supplier_dd.models.conduct import CodeOfConductReview, ConductGap, ConductStatus
from supplier_dd.models.meetings import SupplierMeeting
from supplier_dd.models.reviews import ContractReview
from supplier_dd.models.risk import (
    AssessmentStatus,
    RiskAssessment,
    RiskLevel,
    ThoroughAnalysis,
)
from supplier_dd.risk import analysis_missing
from tests.factories import make_recovery_key
from tests.portal.helpers import follow_up


def test_demo_makes_accounts_and_cases_that_open(runner: FlaskCliRunner, admin_app: Flask,
                                                 client: FlaskClient) -> None:
    make_recovery_key(admin_app)
    result = runner.invoke(args=["demo", "--password", "demo password 123"])
    assert result.exit_code == 0, result.output
    # Eight roles' accounts and a second compliance officer for the annual account's four
    # eyes (issue 13 §5).
    assert result.output.count("otpauth://totp/") == 9
    codes = re.findall(r"[0-9A-Z]{5}(?:-[0-9A-Z]{5}){3}", result.output)
    assert len(codes) == 3
    with transaction(session_factory(admin_app)) as db:
        assert db.scalar(select(func.count()).select_from(User)) == 9
        # Three cases to open, and two past years of reports (9 and 5) for the annual
        # account and its comparison with the year before (issue 13 §8).
        assert db.scalar(select(func.count()).select_from(Case)) == 3 + 9 + 5
        acknowledged = db.scalars(select(Case).where(Case.acknowledged_at.is_not(None))).all()
        assert len(acknowledged) == 1 + 8 + 5
        years = [case.created_at.year for case in db.scalars(select(Case))]
        this_year = max(years)
        assert (years.count(this_year - 1), years.count(this_year - 2)) == (9, 5)
        assert db.scalar(select(func.count()).select_from(CaseKeyWrap)) > 0
    assert follow_up(client, codes[0]).status_code == 303
    page = client.get("/case").get_data(as_text=True)
    assert "Which agency is it" in page and "Nordic Staffing" in page
    again = runner.invoke(args=["demo"])
    assert again.exit_code != 0
    assert "exists already" in again.output


def test_demo_needs_init_first(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["demo"])
    assert result.exit_code != 0
    assert "aktsom init" in result.output


def test_demo_adds_the_supplier_due_diligence(runner: FlaskCliRunner, admin_app: Flask) -> None:
    """Issue 12 §11: besides the register, Code of Conduct records (signed, compared with a
    gap, none), a high-risk supplier mid-analysis, and the workflow with a review before the
    demo manager."""
    make_recovery_key(admin_app)
    result = runner.invoke(args=["demo", "--password", "demo password 123"])
    assert result.exit_code == 0, result.output
    with transaction(session_factory(admin_app)) as db:
        statuses = sorted(db.scalars(select(CodeOfConductReview.status)))
        assert statuses == sorted([ConductStatus.SIGNED_OURS, ConductStatus.OWN_COMPARED,
                                   ConductStatus.NONE])
        assert db.scalar(select(func.count()).select_from(ConductGap)
                         .where(ConductGap.closed_at.is_(None))) == 1
        waiting = db.scalars(select(RiskAssessment).where(
            RiskAssessment.status == AssessmentStatus.AWAITING_ANALYSIS)).one()
        assert waiting.level == RiskLevel.HIGH
        analysis = db.get(ThoroughAnalysis, waiting.id)
        assert analysis is not None and analysis_missing(analysis)  # begun, not finished
        magnus = db.scalars(select(User).where(User.email == "magnus@demo.example")).one()
        review = db.scalars(select(ContractReview)).one()
        assert review.manager_id == magnus.id
        kinds = set(db.scalars(select(ActionItem.kind)))
        assert {ActionKind.CORRECTIVE, ActionKind.REMEDIATION,
                ActionKind.MEETING_FOLLOW_UP} <= kinds
        assert db.scalar(select(func.count()).select_from(SupplierMeeting)) == 1
