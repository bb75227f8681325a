"""The named states of cases, messages, keys, accounts and the audit trail (style §17): one
`StrEnum` each, used everywhere instead of string literals.

Each value is the string the database has always held, so neither rows nor migrations change
(tests/foundation/test_states.py pins them). `Role` is the exception in storage only: its column
holds the member *name* ("ADMIN"), as SQLAlchemy's `Enum` did from the first migration.
"""

from __future__ import annotations

from enum import StrEnum

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l


class CaseStatus(StrEnum):
    NEW = "new"
    # Reached only through acknowledging (it sends the reporter a message).
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"


class Channel(StrEnum):
    """How a report came in (Directive 2019/1937 Art. 9(2)): the web form, or registered by a
    handler from a conversation."""

    WEB = "web"
    ORAL = "oral"
    MEETING = "meeting"


class Outcome(StrEnum):
    UNFOUNDED = "unfounded"
    SUBSTANTIATED = "substantiated"
    PARTLY_SUBSTANTIATED = "partly_substantiated"
    NOT_ASSESSABLE = "not_assessable"


class EscalationDecision(StrEnum):
    """A manager's decision on an escalated breach (clear metadata for the supplier module)."""

    CONTINUE_WITH_PLAN = "continue_with_plan"
    SUSPEND = "suspend"
    TERMINATE = "terminate"


class AuthorKind(StrEnum):
    """Who wrote a message of a case."""

    REPORTER = "reporter"
    HANDLER = "handler"
    # Not written today; the column has allowed it from the start, so rows may hold it.
    SYSTEM = "system"


class MessageKind(StrEnum):
    MESSAGE = "message"
    NOTE = "note"
    ACKNOWLEDGEMENT = "acknowledgement"
    MINUTES = "minutes"
    MINUTES_CONFIRMATION = "minutes-confirmation"
    MINUTES_CORRECTION = "minutes-correction"


class AttachmentVariant(StrEnum):
    # Metadata removed: what the reporter sees.
    CLEAN = "clean"
    # As received, with its metadata: evidence for handlers only.
    ORIGINAL = "original"


class KeyKind(StrEnum):
    """Which of a case's two keys seals an item or is wrapped: the case key (DEK) opens what
    the reporter may read; the staff key never reaches the reporter."""

    CASE = "case"
    STAFF = "staff"


class RecipientKind(StrEnum):
    """Who a case key is wrapped to: a staff user, the organisation's recovery key, or the
    reporter's key pair derived from the case code (the case key only, never the staff key)."""

    USER = "user"
    RECOVERY = "recovery"
    REPORTER = "reporter"


class ActorKind(StrEnum):
    """Who an audit event names as having acted."""

    USER = "user"
    REPORTER = "reporter"
    # The console, the purge, and the sign-in checks acting on an account.
    SYSTEM = "system"


class Role(StrEnum):
    ADMIN = "admin"
    HANDLER = "handler"
    MANAGER = "manager"
    COMPLIANCE = "compliance"
    AUDITOR = "auditor"


class AuditAction(StrEnum):
    """Everything the audit chain records. `record_event` takes only these (mypy checks it);
    the auditor reads `label`, and the code beside it to search logs."""

    SIGNED_IN = "auth.signed_in"
    SIGNED_OUT = "auth.signed_out"
    SIGNED_OUT_EVERYWHERE = "auth.signed_out_everywhere"
    SIGN_IN_FAILED = "auth.sign_in_failed"
    LOCKED = "auth.locked"
    USER_CREATED = "user.created"
    USER_KEY_CERTIFIED = "user.key_certified"
    USER_DISABLED = "user.disabled"
    USER_ENABLED = "user.enabled"
    USER_PASSWORD_CHANGED = "user.password_changed"  # noqa: S105 (an event name, no secret)
    USER_PASSWORD_RESET = "user.password_reset"  # noqa: S105 (an event name, no secret)
    USER_TOTP_RESET = "user.totp_reset"
    USER_ROLES_CHANGED = "user.roles_changed"
    USER_UNITS_CHANGED = "user.units_changed"
    UNIT_CREATED = "unit.created"
    CASE_SUBMITTED = "case.submitted"
    CASE_REGISTERED = "case.registered"
    CASE_REPORTER_MESSAGE = "case.reporter_message"
    CASE_ACKNOWLEDGED = "case.acknowledged"
    CASE_REPLIED = "case.replied"
    CASE_FEEDBACK_GIVEN = "case.feedback_given"
    CASE_NOTE_ADDED = "case.note_added"
    CASE_STATUS_IN_PROGRESS = "case.status_in_progress"
    CASE_STATUS_CLOSED = "case.status_closed"
    CASE_OUTCOME_RECORDED = "case.outcome_recorded"
    CASE_SUPPLIER_LINKED = "case.supplier_linked"
    CASE_SUPPLIER_UNLINKED = "case.supplier_unlinked"
    CASE_LEGAL_HOLD_SET = "case.legal_hold_set"
    CASE_LEGAL_HOLD_RELEASED = "case.legal_hold_released"
    CASE_MINUTES_CONFIRMED = "case.minutes_confirmed"
    CASE_MINUTES_CORRECTED = "case.minutes_corrected"
    CASE_ATTACHMENT_DOWNLOADED = "case.attachment_downloaded"
    CASE_GRANTED = "case.granted"
    CASE_USER_EXCLUDED = "case.user_excluded"
    CASE_RECOVERED = "case.recovered"
    CASE_ESCALATED = "case.escalated"
    CASE_PURGED = "case.purged"
    ESCALATION_DECIDED = "escalation.decided"

    @property
    def label(self) -> str:
        """What the action means, in the request's language."""
        return str(AUDIT_ACTION_LABELS[self])


# Lazy: read in the language of the request that shows them, not at import.
AUDIT_ACTION_LABELS: dict[AuditAction, LazyString] = {
    AuditAction.SIGNED_IN: _l("Signed in"),
    AuditAction.SIGNED_OUT: _l("Signed out"),
    AuditAction.SIGNED_OUT_EVERYWHERE: _l("Signed out on every device"),
    AuditAction.SIGN_IN_FAILED: _l("Sign-in failed"),
    AuditAction.LOCKED: _l("Account locked after failed sign-ins"),
    AuditAction.USER_CREATED: _l("Account created"),
    AuditAction.USER_KEY_CERTIFIED: _l("Key approved"),
    AuditAction.USER_DISABLED: _l("Account disabled"),
    AuditAction.USER_ENABLED: _l("Account enabled"),
    AuditAction.USER_PASSWORD_CHANGED: _l("Password changed"),
    AuditAction.USER_PASSWORD_RESET: _l("Password reset by an administrator"),
    AuditAction.USER_TOTP_RESET: _l("Authenticator app reset"),
    AuditAction.USER_ROLES_CHANGED: _l("Roles changed"),
    AuditAction.USER_UNITS_CHANGED: _l("Org units changed"),
    AuditAction.UNIT_CREATED: _l("Org unit created"),
    AuditAction.CASE_SUBMITTED: _l("Report submitted"),
    AuditAction.CASE_REGISTERED: _l("Oral report registered"),
    AuditAction.CASE_REPORTER_MESSAGE: _l("Message from the reporter"),
    AuditAction.CASE_ACKNOWLEDGED: _l("Receipt acknowledged"),
    AuditAction.CASE_REPLIED: _l("Reply sent to the reporter"),
    AuditAction.CASE_FEEDBACK_GIVEN: _l("Feedback given"),
    AuditAction.CASE_NOTE_ADDED: _l("Internal note added"),
    AuditAction.CASE_STATUS_IN_PROGRESS: _l("Status changed to being investigated"),
    AuditAction.CASE_STATUS_CLOSED: _l("Status changed to closed"),
    AuditAction.CASE_OUTCOME_RECORDED: _l("Outcome recorded"),
    AuditAction.CASE_SUPPLIER_LINKED: _l("Supplier linked"),
    AuditAction.CASE_SUPPLIER_UNLINKED: _l("Supplier link removed"),
    AuditAction.CASE_LEGAL_HOLD_SET: _l("Legal hold set"),
    AuditAction.CASE_LEGAL_HOLD_RELEASED: _l("Legal hold released"),
    AuditAction.CASE_MINUTES_CONFIRMED: _l("Minutes confirmed by the reporter"),
    AuditAction.CASE_MINUTES_CORRECTED: _l("Correction of the minutes requested"),
    AuditAction.CASE_ATTACHMENT_DOWNLOADED: _l("Attachment downloaded"),
    AuditAction.CASE_GRANTED: _l("Case shared with a handler"),
    AuditAction.CASE_USER_EXCLUDED: _l("User left out of the case"),
    AuditAction.CASE_RECOVERED: _l("Case shared again with the recovery key"),
    AuditAction.CASE_ESCALATED: _l("Escalated to a manager"),
    AuditAction.CASE_PURGED: _l("Case purged after the retention period"),
    AuditAction.ESCALATION_DECIDED: _l("Manager's decision recorded"),
}


def audit_action_label(code: str) -> str | None:
    """The label of a stored action code, or None for a code the catalogue does not know (a
    row changed outside Aktsom, which the chain check reports): the page shows the raw code."""
    try:
        return AuditAction(code).label
    except ValueError:
        return None


def template_states() -> dict[str, type[StrEnum]]:
    """The enums by class name, for a blueprint's templates to compare with
    (`message.kind == MessageKind.MINUTES`) instead of spelling the stored strings."""
    return {states.__name__: states for states in (
        CaseStatus, Channel, Outcome, EscalationDecision, AuthorKind, MessageKind,
        AttachmentVariant, KeyKind)}
