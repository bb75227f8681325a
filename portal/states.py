"""The named states of cases, messages, keys, accounts and the audit trail (style §17): one
`StrEnum` each, used everywhere instead of string literals.

Each value is the string the database has always held, so neither rows nor migrations change
(tests/foundation/test_states.py pins them). `Role` is the exception in storage only: its column
holds the member *name* ("ADMIN"), as SQLAlchemy's `Enum` did from the first migration.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l


class CaseStatus(StrEnum):
    NEW = "new"
    # Reached only through acknowledging (it sends the reporter a message).
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"


class ClosingReason(StrEnum):
    """Why a case was closed without the feedback of Art. 9(1)(f) (issue 11 §1): closing
    needs either a feedback message to the reporter or one of these, recorded on the case."""

    DUPLICATE = "duplicate"
    # Only once a message saying so has been sent to the reporter.
    MANIFESTLY_UNFOUNDED = "manifestly_unfounded"
    NO_WAY_TO_REPLY = "no_way_to_reply"
    WITHDRAWN = "withdrawn"
    # A question about due diligence filed in the wrong place, moved to the information
    # requests (Transparency Act §6); set only by `portal.information.service.move_case_to_request`.
    MOVED_TO_INFORMATION_REQUEST = "moved_to_information_request"


CLOSING_REASON_LABELS: Mapping[ClosingReason, LazyString] = {
    ClosingReason.DUPLICATE: _l("Duplicate of another case"),
    ClosingReason.MANIFESTLY_UNFOUNDED: _l(
        "Manifestly unfounded, and a message saying so was sent to the reporter"),
    ClosingReason.NO_WAY_TO_REPLY: _l("No way to reply to the reporter"),
    ClosingReason.WITHDRAWN: _l("Withdrawn by the reporter"),
    ClosingReason.MOVED_TO_INFORMATION_REQUEST: _l(
        "Moved to the information requests (a question, not a report)"),
}


# What the reporter reads on their case page: addressed to them, in plain words, never the
# staff's label ("manifestly unfounded" is a handler's assessment, told to the reporter in a
# message of its own before closing).
REPORTER_CLOSING_REASON_LABELS: Mapping[ClosingReason, LazyString] = {
    ClosingReason.DUPLICATE: _l("The matter is followed up in another case."),
    ClosingReason.MANIFESTLY_UNFOUNDED: _l(
        "The case handlers found no grounds to investigate further, and explained why in a "
        "message to you."),
    ClosingReason.NO_WAY_TO_REPLY: _l(
        "The case handlers could not reach you to continue the case."),
    ClosingReason.WITHDRAWN: _l("You withdrew the report."),
    ClosingReason.MOVED_TO_INFORMATION_REQUEST: _l(
        "Your message was a question about our due diligence, not a report: it was passed on "
        "as an information request, as explained in a message to you."),
}


class Channel(StrEnum):
    """How a report came in (Directive 2019/1937 Art. 9(2)): the web form, or registered by a
    handler from a conversation."""

    WEB = "web"
    ORAL = "oral"
    MEETING = "meeting"
    # Told in person to a leader, who registered it (AML §2A-6 routines; issue 11 §7).
    LEADER = "leader"


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


class ApprovalKind(StrEnum):
    """What waits for a second person's approval (portal.approvals)."""

    KEY_AUTHORITY = "key_authority"
    CASE_EXCLUSION = "case_exclusion"
    CASE_REINSTATEMENT = "case_reinstatement"


class Role(StrEnum):
    ADMIN = "admin"
    HANDLER = "handler"
    MANAGER = "manager"
    COMPLIANCE = "compliance"
    AUDITOR = "auditor"


class KeyStatus(StrEnum):
    """Where a staff key stands in the key directory (portal.key_directory.key_status);
    computed, never stored."""

    # Certified for what the rows claim, or (receiving nothing) shown by its holder.
    VALID = "valid"
    # Not approved yet, or not yet shown by its holder.
    MISSING = "missing"
    # A certificate that does not hold for the stored key: replaced in the database?
    INVALID = "invalid"
    # Roles or units added outside the account pages: the key receives nothing until checked.
    EXCEEDS = "exceeds"


class AuditActionCatalogue(StrEnum):
    """The base of every audit action catalogue. `record_event` takes only members of its
    subclasses (mypy checks it); the auditor reads `label`, and the code beside it to search
    logs. A feature package above `portal` (supplier_dd, the annual account) declares its own
    subclass with its own labels, so the portal layer needs to know nothing of it, and the
    auditor page finds it because it subclasses this (`audit_action_label`)."""

    @property
    def label(self) -> str:
        """What the action means, in the request's language."""
        return str(self.labels()[self])

    @classmethod
    def labels(cls) -> Mapping[StrEnum, LazyString]:
        """Every member's label (lazy: read in the language of the request that shows it)."""
        raise NotImplementedError


class AuditAction(AuditActionCatalogue):
    """What the portal layer and the staff app record (the cases, accounts, sign-in)."""

    SIGNED_IN = "auth.signed_in"
    SIGNED_OUT = "auth.signed_out"
    SIGNED_OUT_EVERYWHERE = "auth.signed_out_everywhere"
    SIGN_IN_FAILED = "auth.sign_in_failed"
    LOCKED = "auth.locked"
    KEY_MISMATCH = "auth.key_mismatch"
    USER_CREATED = "user.created"
    USER_KEY_CERTIFIED = "user.key_certified"
    USER_KEY_CERTIFICATE_WITHDRAWN = "user.key_certificate_withdrawn"
    USER_KEY_ROTATED = "user.key_rotated"
    USER_DISABLED = "user.disabled"
    USER_ENABLED = "user.enabled"
    USER_PASSWORD_CHANGED = "user.password_changed"  # noqa: S105 (an event name, no secret)
    USER_PASSWORD_RESET = "user.password_reset"  # noqa: S105 (an event name, no secret)
    USER_TOTP_RESET = "user.totp_reset"
    USER_TOTP_ENROLLED = "user.totp_enrolled"
    USER_ROLES_CHANGED = "user.roles_changed"
    USER_UNITS_CHANGED = "user.units_changed"
    UNIT_CREATED = "unit.created"
    UNIT_LANGUAGES_SET = "unit.languages_set"
    LANGUAGE_OFF = "language.switched_off"
    LANGUAGE_ON = "language.switched_on"
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
    CASE_ACCESS_WITHDRAWN = "case.access_withdrawn"
    CASE_RECOVERED = "case.recovered"
    CASE_ESCALATED = "case.escalated"
    CASE_PURGED = "case.purged"
    ESCALATION_DECIDED = "escalation.decided"
    APPROVAL_REQUESTED = "approval.requested"
    APPROVAL_GRANTED = "approval.granted"
    APPROVAL_REJECTED = "approval.rejected"
    CASE_USER_REINSTATED = "case.user_reinstated"
    # Issue 11 §1: the meeting clock, and closing without feedback with its reason code (the
    # event's target is the ClosingReason value; never any content).
    CASE_MEETING_REQUESTED = "case.meeting_requested"
    CASE_MEETING_HELD = "case.meeting_held"
    CASE_CLOSED_WITHOUT_FEEDBACK = "case.closed_without_feedback"
    CASE_MOVED_TO_INFORMATION_REQUEST = "case.moved_to_information_request"
    # The original of a file with its metadata, through the evidence-copy step (issue 14 §10).
    CASE_EVIDENCE_COPY_DOWNLOADED = "case.evidence_copy_downloaded"
    # Who read the report (issue 14 §11): at most one per user and case in
    # portal.cases.case_views.VIEW_AUDIT_INTERVAL. The assignee (issue 14 §8): target is the
    # user assigned, or the one who stopped being the assignee.
    CASE_VIEWED = "case.viewed"
    CASE_ASSIGNED = "case.assigned"
    CASE_UNASSIGNED = "case.unassigned"

    @classmethod
    def labels(cls) -> Mapping[StrEnum, LazyString]:
        return AUDIT_ACTION_LABELS


# Lazy: read in the language of the request that shows them, not at import.
AUDIT_ACTION_LABELS: dict[StrEnum, LazyString] = {
    AuditAction.SIGNED_IN: _l("Signed in"),
    AuditAction.SIGNED_OUT: _l("Signed out"),
    AuditAction.SIGNED_OUT_EVERYWHERE: _l("Signed out on every device"),
    AuditAction.SIGN_IN_FAILED: _l("Sign-in failed"),
    AuditAction.LOCKED: _l("Account locked after failed sign-ins"),
    AuditAction.KEY_MISMATCH: _l("Sign-in refused: the stored public key is not the "
                                 "account's key"),
    AuditAction.USER_CREATED: _l("Account created"),
    AuditAction.USER_KEY_CERTIFIED: _l("Key approved"),
    AuditAction.USER_KEY_CERTIFICATE_WITHDRAWN: _l("Key approval withdrawn (no role that "
                                                   "receives cases)"),
    AuditAction.USER_KEY_ROTATED: _l("New key pair made by its holder"),
    AuditAction.USER_DISABLED: _l("Account disabled"),
    AuditAction.USER_ENABLED: _l("Account enabled"),
    AuditAction.USER_PASSWORD_CHANGED: _l("Password changed"),
    AuditAction.USER_PASSWORD_RESET: _l("Password reset by an administrator"),
    AuditAction.USER_TOTP_RESET: _l("Authenticator app reset"),
    AuditAction.USER_TOTP_ENROLLED: _l("Authenticator app set up by its holder"),
    AuditAction.USER_ROLES_CHANGED: _l("Roles changed"),
    AuditAction.USER_UNITS_CHANGED: _l("Org units changed"),
    AuditAction.UNIT_CREATED: _l("Org unit created"),
    AuditAction.UNIT_LANGUAGES_SET: _l("Languages offered first for a company set"),
    AuditAction.LANGUAGE_OFF: _l("Language switched off"),
    AuditAction.LANGUAGE_ON: _l("Language switched on"),
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
    AuditAction.CASE_ACCESS_WITHDRAWN: _l("Access withdrawn with an org unit membership"),
    AuditAction.CASE_RECOVERED: _l("Case shared again with the recovery key"),
    AuditAction.CASE_ESCALATED: _l("Escalated to a manager"),
    AuditAction.CASE_PURGED: _l("Case purged after the retention period"),
    AuditAction.ESCALATION_DECIDED: _l("Manager's decision recorded"),
    AuditAction.APPROVAL_REQUESTED: _l("Change submitted for a second person's approval"),
    AuditAction.APPROVAL_GRANTED: _l("Change approved by a second person"),
    AuditAction.APPROVAL_REJECTED: _l("Change rejected by a second person"),
    AuditAction.CASE_USER_REINSTATED: _l("User taken back into the case"),
    AuditAction.CASE_MEETING_REQUESTED: _l("Meeting requested by the reporter"),
    AuditAction.CASE_MEETING_HELD: _l("Minutes of the requested meeting recorded"),
    AuditAction.CASE_CLOSED_WITHOUT_FEEDBACK: _l("Closed without feedback, for a recorded "
                                                 "reason"),
    AuditAction.CASE_MOVED_TO_INFORMATION_REQUEST: _l("Moved to the information requests"),
    AuditAction.CASE_EVIDENCE_COPY_DOWNLOADED: _l("Evidence copy (original with metadata) "
                                                  "downloaded"),
    AuditAction.CASE_VIEWED: _l("Case page opened"),
    AuditAction.CASE_ASSIGNED: _l("Case assigned to a handler"),
    AuditAction.CASE_UNASSIGNED: _l("Case no longer assigned to a handler"),
}


def audit_action_label(code: str) -> str | None:
    """The label of a stored action code in any catalogue loaded in this process, or None for
    a code none knows (a row changed outside Aktsom, which the chain check reports): the page
    shows the raw code."""
    for catalogue in _catalogues(AuditActionCatalogue):
        try:
            return catalogue(code).label
        except ValueError:
            continue
    return None


def _catalogues(base: type[AuditActionCatalogue]) -> list[type[AuditActionCatalogue]]:
    found = []
    for subclass in base.__subclasses__():
        found.append(subclass)
        found.extend(_catalogues(subclass))
    return found


def template_states() -> dict[str, type[StrEnum]]:
    """The enums by class name, for a blueprint's templates to compare with
    (`message.kind == MessageKind.MINUTES`) instead of spelling the stored strings."""
    return {states.__name__: states for states in (
        CaseStatus, Channel, Outcome, EscalationDecision, AuthorKind, MessageKind,
        AttachmentVariant, KeyKind)}


class GrantReason(StrEnum):
    """Why a case is shared beyond its company and the group level (issue 11 §3): recorded on
    the case and told to the reporter in general terms. OTHER needs a (sealed) note."""

    NO_HANDLER_AVAILABLE = "no_handler_available"
    EXPERTISE = "expertise"
    SEVERAL_COMPANIES = "several_companies"
    OTHER = "other"


GRANT_REASON_LABELS: Mapping[GrantReason, LazyString] = {
    GrantReason.NO_HANDLER_AVAILABLE: _l("No handler of the company or the group level can "
                                         "handle the case (absent, or a conflict of interest)"),
    GrantReason.EXPERTISE: _l("The case needs expertise the company's handlers do not have"),
    GrantReason.SEVERAL_COMPANIES: _l("The matter concerns more than one company of the group"),
    GrantReason.OTHER: _l("Another reason (write it in the note)"),
}

# What the reporter reads, in general terms: never the person, never the note.
GRANT_REASON_REPORTER_TEXTS: Mapping[GrantReason, LazyString] = {
    GrantReason.NO_HANDLER_AVAILABLE: _l("no case handler of the company concerned could "
                                         "handle it"),
    GrantReason.EXPERTISE: _l("it needs expertise that the company's case handlers do not have"),
    GrantReason.SEVERAL_COMPANIES: _l("the matter concerns more than one company of the group"),
    GrantReason.OTHER: _l("the handling of the case requires it"),
}


class LegalHoldReason(StrEnum):
    """Why a case is kept past its retention period (issue 11 §5). OTHER needs a sealed note."""

    LEGAL_PROCEEDINGS = "legal_proceedings"
    AUTHORITY_INVESTIGATION = "authority_investigation"
    INTERNAL_PROCEEDINGS = "internal_proceedings"
    OTHER = "other"


LEGAL_HOLD_REASON_LABELS: Mapping[LegalHoldReason, LazyString] = {
    LegalHoldReason.LEGAL_PROCEEDINGS: _l("Legal proceedings are running or expected"),
    LegalHoldReason.AUTHORITY_INVESTIGATION: _l("An authority is investigating the matter"),
    LegalHoldReason.INTERNAL_PROCEEDINGS: _l("Disciplinary or other internal proceedings "
                                             "are running"),
    LegalHoldReason.OTHER: _l("Another reason (write it in the note)"),
}


class BoundaryAction(AuditActionCatalogue):
    """Company boundaries and retention (issue 11 §3, §5)."""

    CASE_GRANTED_BEYOND_COMPANY = "case.granted_beyond_company"
    CASE_RECOVERED_BEYOND_COMPANY = "case.recovered_beyond_company"
    UNIT_RETENTION_CHANGED = "unit.retention_changed"
    CASE_LEGAL_HOLD_RENEWED = "case.legal_hold_renewed"
    CASE_LEGAL_HOLD_LAPSED = "case.legal_hold_lapsed"

    @classmethod
    def labels(cls) -> Mapping[StrEnum, LazyString]:
        return BOUNDARY_ACTION_LABELS


BOUNDARY_ACTION_LABELS: dict[StrEnum, LazyString] = {
    BoundaryAction.CASE_GRANTED_BEYOND_COMPANY: _l("Case shared beyond its company, with a "
                                                   "recorded reason; the reporter was told"),
    BoundaryAction.CASE_RECOVERED_BEYOND_COMPANY: _l("Case shared beyond its company with the "
                                                     "recovery key; the reporter was told"),
    BoundaryAction.UNIT_RETENTION_CHANGED: _l("Retention period of an org unit changed"),
    BoundaryAction.CASE_LEGAL_HOLD_RENEWED: _l("Legal hold renewed with a new review date"),
    BoundaryAction.CASE_LEGAL_HOLD_LAPSED: _l("Legal hold lapsed at its review date"),
}


# Relevance and identity (issue 11 §8; Directive Art. 16, 17): redaction of manifestly
# irrelevant items, the reporter's identity choice and its disclosure to an authority.


class IdentityChoice(StrEnum):
    """What the reporter chose on the report form: stay anonymous (the default), or give
    their name in confidence (sealed apart from the answers, portal.cases.identity)."""

    ANONYMOUS = "anonymous"
    NAMED = "named"


class RedactionReason(StrEnum):
    """Why an item of a case was removed as manifestly irrelevant (Art. 17, GDPR Art. 5(1)(c))."""

    NOT_RELEVANT = "not_relevant"
    THIRD_PARTY_DATA = "third_party_data"
    SENSITIVE_DATA = "sensitive_data"
    SENT_BY_MISTAKE = "sent_by_mistake"


REDACTION_REASON_LABELS: Mapping[RedactionReason, LazyString] = {
    RedactionReason.NOT_RELEVANT: _l("Manifestly not relevant to the report"),
    RedactionReason.THIRD_PARTY_DATA: _l("Personal data of people the report does not concern"),
    RedactionReason.SENSITIVE_DATA: _l("Sensitive personal data not needed for the follow-up"),
    RedactionReason.SENT_BY_MISTAKE: _l("Sent by mistake"),
}


class RedactedItem(StrEnum):
    MESSAGE = "message"
    ATTACHMENT = "attachment"


class DisclosureBasis(StrEnum):
    """The legal ground of disclosing a reporter's identity (Art. 16(2)): only a necessary and
    proportionate obligation under Union or national law in one of these contexts."""

    AUTHORITY_INVESTIGATION = "authority_investigation"
    JUDICIAL_PROCEEDINGS = "judicial_proceedings"
    RIGHTS_OF_DEFENCE = "rights_of_defence"


DISCLOSURE_BASIS_LABELS: Mapping[DisclosureBasis, LazyString] = {
    DisclosureBasis.AUTHORITY_INVESTIGATION: _l(
        "An obligation under the law in an investigation by a national authority"),
    DisclosureBasis.JUDICIAL_PROCEEDINGS: _l("An obligation under the law in judicial proceedings"),
    DisclosureBasis.RIGHTS_OF_DEFENCE: _l(
        "An obligation under the law to safeguard the rights of defence of the person concerned"),
}


class NotificationWithheld(StrEnum):
    """Why the reporter was not told of a disclosure (Art. 16(3)): telling them would
    jeopardise the related investigation or judicial proceedings."""

    JEOPARDISE_INVESTIGATION = "jeopardise_investigation"
    JEOPARDISE_PROCEEDINGS = "jeopardise_proceedings"


NOTIFICATION_WITHHELD_LABELS: Mapping[NotificationWithheld, LazyString] = {
    NotificationWithheld.JEOPARDISE_INVESTIGATION: _l(
        "Telling the reporter would jeopardise the investigation"),
    NotificationWithheld.JEOPARDISE_PROCEEDINGS: _l(
        "Telling the reporter would jeopardise the judicial proceedings"),
}


class RelevanceAction(AuditActionCatalogue):
    """Audit actions of redaction and identity disclosure (issue 11 §8)."""

    CASE_ITEM_REDACTED = "case.item_redacted"
    CASE_IDENTITY_DISCLOSED = "case.identity_disclosed"
    CASE_IDENTITY_DISCLOSURE_NOTIFIED = "case.identity_disclosure_notified"

    @classmethod
    def labels(cls) -> Mapping[StrEnum, LazyString]:
        return RELEVANCE_ACTION_LABELS


RELEVANCE_ACTION_LABELS: dict[StrEnum, LazyString] = {
    RelevanceAction.CASE_ITEM_REDACTED: _l("Item removed as irrelevant"),
    RelevanceAction.CASE_IDENTITY_DISCLOSED: _l("Reporter's identity disclosed to an authority"),
    RelevanceAction.CASE_IDENTITY_DISCLOSURE_NOTIFIED: _l(
        "Reporter told of the disclosure of their identity"),
}
