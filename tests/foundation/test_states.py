"""The named states (portal.states) against what the database holds.

Every value is the string rows have carried since the first migration, so the enums came with
no migration and no data change. That migration gives these columns no CHECK constraint (plain
VARCHARs; `Role` a non-native, unconstrained Enum), so the stored strings are pinned here: a
renamed value fails this test before it strands existing rows.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

import pytest
from sqlalchemy import Enum, create_engine, inspect, text
from sqlalchemy.orm import Session

import admin.models_registry  # noqa: F401
from admin.annual.models import AccountStatus
from portal.db import Base
from portal.models import Case, Message, Role
from portal.models.concerned_person import ConcernedPersonReason, ConcernedPersonStatus
from portal.states import (
    ActorKind,
    ApprovalKind,
    AttachmentVariant,
    AuthorKind,
    CaseStatus,
    Channel,
    ClosingReason,
    DisclosureBasis,
    EscalationDecision,
    GrantReason,
    IdentityChoice,
    KeyKind,
    LegalHoldReason,
    MessageKind,
    NotificationWithheld,
    Outcome,
    RecipientKind,
    RedactedItem,
    RedactionReason,
)
from portal.workplace_states import NotApplicableReason, WorkEnvironmentStatus
from supplier_dd.models.actions import ActionKind, ActionStatus
from supplier_dd.models.conduct import AreaMark, ConductStatus, GapClosure
from supplier_dd.models.reviews import ReviewStatus, ReviewTrigger
from supplier_dd.models.risk import (
    AssessmentStatus,
    CountryIndex,
    DialogueCounterpart,
    DialogueMethod,
    RiskFactor,
    RiskLevel,
)

MIGRATION = (Path(__file__).resolve().parents[2] / "migrations" / "versions"
             / "0001_foundation_schema.py")

# The strings existing rows hold (and the code wrote as literals before the enums).
STORED: dict[type[StrEnum], set[str]] = {
    CaseStatus: {"new", "acknowledged", "in_progress", "closed"},
    # "leader" added with the leader intake (issue 11 §7(b)); a new value, no row changes.
    Channel: {"web", "oral", "meeting", "leader"},
    ClosingReason: {"duplicate", "manifestly_unfounded", "no_way_to_reply", "withdrawn",
                    # Issue 13 §1: a question filed in the wrong place (29 of 30 characters).
                    "moved_to_information_request"},
    Outcome: {"unfounded", "substantiated", "partly_substantiated", "not_assessable"},
    EscalationDecision: {"continue_with_plan", "suspend", "terminate"},
    AuthorKind: {"reporter", "handler", "system"},
    MessageKind: {"message", "note", "acknowledgement", "minutes", "minutes-confirmation",
                  "minutes-correction"},
    AttachmentVariant: {"clean", "original"},
    KeyKind: {"case", "staff"},
    RecipientKind: {"user", "recovery", "reporter"},
    ActorKind: {"user", "reporter", "system"},
    ApprovalKind: {"key_authority", "case_exclusion", "case_reinstatement"},
    # Issue 11 §3 and §5 (migration 0004).
    GrantReason: {"no_handler_available", "expertise", "several_companies", "other"},
    LegalHoldReason: {"legal_proceedings", "authority_investigation", "internal_proceedings",
                      "other"},
    ConcernedPersonStatus: {"informed", "deferred", "not_applicable"},
    ConcernedPersonReason: {"investigation", "reporter_identity", "authority_request",
                            "no_person", "already_informed", "impossible"},
    WorkEnvironmentStatus: {"open", "checked", "not_applicable"},
    NotApplicableReason: {"not_an_employee", "no_longer_employed", "reporter_declined",
                          "identity_not_known"},
    # Issue 11 §8 (relevance and identity).
    IdentityChoice: {"anonymous", "named"},
    RedactionReason: {"not_relevant", "third_party_data", "sensitive_data", "sent_by_mistake"},
    RedactedItem: {"message", "attachment"},
    DisclosureBasis: {"authority_investigation", "judicial_proceedings", "rights_of_defence"},
    NotificationWithheld: {"jeopardise_investigation", "jeopardise_proceedings"},
    # The supplier workflow (issue 12 §5, §6; revision 0010).
    ActionKind: {"corrective", "remediation", "close_gap", "meeting_follow_up"},
    ActionStatus: {"open", "in_progress", "done", "cancelled"},
    ReviewTrigger: {"breach", "deficiencies", "by_hand"},
    ReviewStatus: {"open", "decided"},
    # The supplier module's Code of Conduct and risk (issue 12 §2-4, migration 0009).
    ConductStatus: {"signed_ours", "own_compared", "none"},
    AreaMark: {"covered", "partly", "missing", "stricter"},
    GapClosure: {"action", "signed_ours", "code_revised"},
    CountryIndex: {"default", "wgi", "ituc", "simple"},
    RiskLevel: {"low", "medium", "high"},
    # The Transparency Act account's workflow (issue 13 §5).
    AccountStatus: {"draft", "approved", "signed", "published"},
    RiskFactor: {"geography", "industry", "history", "certifications", "transparency"},
    AssessmentStatus: {"awaiting_analysis", "closed"},
    DialogueCounterpart: {"workers", "worker_representatives", "trade_union",
                          "local_organisation"},
    DialogueMethod: {"on_site_interviews", "remote_interviews", "anonymous_survey",
                     "through_third_party"},
}

# Every column holding a state, with its enum. (The audit columns stay plain strings: the
# audit page must show whatever a row holds, even a value changed outside Aktsom.)
STATE_COLUMNS: dict[tuple[str, str], type[StrEnum]] = {
    ("cases", "status"): CaseStatus,
    ("cases", "channel"): Channel,
    ("cases", "outcome"): Outcome,
    ("cases", "closing_reason"): ClosingReason,
    ("case_stats", "channel"): Channel,
    ("case_stats", "outcome"): Outcome,
    ("escalations", "decision"): EscalationDecision,
    ("messages", "author_kind"): AuthorKind,
    ("messages", "kind"): MessageKind,
    ("messages", "key_kind"): KeyKind,
    ("attachments", "variant"): AttachmentVariant,
    ("attachments", "key_kind"): KeyKind,
    ("case_key_wraps", "key_kind"): KeyKind,
    ("case_key_wraps", "recipient_kind"): RecipientKind,
    ("pending_approvals", "kind"): ApprovalKind,
    ("case_key_links", "key_kind"): KeyKind,
    ("case_boundary_grants", "reason"): GrantReason,
    ("legal_holds", "reason"): LegalHoldReason,
    # The Art. 14 task (issue 11 §4).
    ("concerned_person_notices", "status"): ConcernedPersonStatus,
    ("concerned_person_notices", "reason"): ConcernedPersonReason,
    ("work_environment_checks", "status"): WorkEnvironmentStatus,
    ("work_environment_checks", "not_applicable_reason"): NotApplicableReason,
    ("case_redactions", "item_kind"): RedactedItem,
    ("case_redactions", "reason"): RedactionReason,
    ("identity_disclosures", "legal_basis"): DisclosureBasis,
    ("identity_disclosures", "withheld_reason"): NotificationWithheld,
    ("supplier_actions", "kind"): ActionKind,
    ("supplier_actions", "status"): ActionStatus,
    ("contract_reviews", "trigger"): ReviewTrigger,
    ("contract_reviews", "status"): ReviewStatus,
    ("contract_reviews", "decision"): EscalationDecision,
    ("conduct_reviews", "status"): ConductStatus,
    ("conduct_area_marks", "mark"): AreaMark,
    ("conduct_gaps", "closed_by"): GapClosure,
    ("country_ratings", "index_kind"): CountryIndex,
    ("risk_assessments", "level"): RiskLevel,
    ("risk_assessments", "status"): AssessmentStatus,
    ("risk_factor_scores", "factor"): RiskFactor,
    ("risk_analyses", "dialogue_with"): DialogueCounterpart,
    ("risk_analyses", "dialogue_how"): DialogueMethod,
    ("annual_accounts", "status"): AccountStatus,
}


@pytest.mark.parametrize("states", list(STORED), ids=lambda states: states.__name__)
def test_each_state_keeps_the_strings_rows_hold(states: type[StrEnum]) -> None:
    assert {member.value for member in states} == STORED[states]
    assert all(str(member) == member.value == f"{member}" for member in states)


def test_state_columns_store_the_value_in_the_migrated_varchar(database_url: str) -> None:
    enum_columns = {(table.name, column.name) for table in Base.metadata.sorted_tables
                    for column in table.columns if isinstance(column.type, Enum)}
    assert enum_columns == set(STATE_COLUMNS) | {("user_roles", "role")}
    engine = create_engine(database_url)
    try:
        migrated = inspect(engine)
        for (table, name), states in STATE_COLUMNS.items():
            column_type = Base.metadata.tables[table].c[name].type
            assert isinstance(column_type, Enum), (table, name)
            assert column_type.enum_class is states, (table, name)
            # Values, not member names; no native type and no constraint to migrate.
            assert set(column_type.enums) == STORED[states], (table, name)
            assert not column_type.native_enum and not column_type.create_constraint
            length = next(column["type"].length for column in migrated.get_columns(table)
                          if column["name"] == name)
            assert column_type.length == length, (table, name)
            assert max(len(value) for value in STORED[states]) <= length, (table, name)
    finally:
        engine.dispose()


def test_roles_are_stored_by_name_as_the_first_migration_declares() -> None:
    declared = re.search(r"sa\.Column\('role', sa\.Enum\(([^)]*?), name='role'",
                         MIGRATION.read_text())
    assert declared is not None
    assert re.findall(r"'(\w+)'", declared.group(1)) == [role.name for role in Role]
    assert {role.value for role in Role} == {"admin", "handler", "manager", "compliance",
                                             "auditor"}


def test_rows_hold_the_plain_strings_and_read_back_as_members(database_url: str) -> None:
    engine = create_engine(database_url)
    moment = datetime(2026, 1, 5, tzinfo=UTC)
    try:
        with Session(engine) as db:
            case = Case(id="c" * 32, category="fraud", channel=Channel.ORAL,
                        status=CaseStatus.IN_PROGRESS, outcome=Outcome.PARTLY_SUBSTANTIATED,
                        acknowledgement_due_at=moment, feedback_due_at=moment,
                        next_due_at=moment, lookup_id=b"\1" * 32, reporter_key=b"",
                        reporter_key_certificate=b"", sealed_answers=b"")
            db.add(case)
            db.flush()
            db.add(Message(id="m" * 32, case_id=case.id, seq=1, author_kind=AuthorKind.REPORTER,
                           kind=MessageKind.MINUTES_CONFIRMATION, key_kind=KeyKind.CASE,
                           sealed_body=b""))
            db.commit()
            assert db.execute(text("SELECT channel, status, outcome FROM cases")).one() == (
                "oral", "in_progress", "partly_substantiated")
            assert db.execute(text("SELECT author_kind, kind, key_kind FROM messages")).one() == (
                "reporter", "minutes-confirmation", "case")
            # A row written as plain text, as every existing row was, reads as the member.
            db.execute(text("UPDATE cases SET status = 'closed', outcome = NULL"))
            db.commit()
            db.expire_all()
            stored = db.get(Case, "c" * 32)
            assert stored is not None
            assert stored.status is CaseStatus.CLOSED and stored.outcome is None
            message = db.get(Message, "m" * 32)
            assert message is not None and message.kind is MessageKind.MINUTES_CONFIRMATION
    finally:
        engine.dispose()
