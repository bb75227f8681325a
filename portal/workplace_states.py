"""The named states of the working-environment duties of AML ch. 2A (issue 11 §7): the task to
check a known reporter's working environment (§2A-3(2)), and the audit actions of the
routines, the leader intake, the retaliation link and that task.

A catalogue of its own (`WorkplaceAction`), so these actions sit apart from the portal's
`AuditAction`; the auditor page finds it because it subclasses the base.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from portal.states import AuditActionCatalogue


class WorkEnvironmentStatus(StrEnum):
    """Where the check of a known reporter's working environment stands (AML §2A-3(2))."""

    OPEN = "open"
    CHECKED = "checked"
    NOT_APPLICABLE = "not_applicable"


class NotApplicableReason(StrEnum):
    """Why the check does not apply: a fixed list, so nothing about the reporter is written in
    clear."""

    NOT_AN_EMPLOYEE = "not_an_employee"
    NO_LONGER_EMPLOYED = "no_longer_employed"
    REPORTER_DECLINED = "reporter_declined"
    IDENTITY_NOT_KNOWN = "identity_not_known"


WORK_ENVIRONMENT_STATUS_LABELS: Mapping[WorkEnvironmentStatus, LazyString] = {
    WorkEnvironmentStatus.OPEN: _l("Open"),
    WorkEnvironmentStatus.CHECKED: _l("Checked"),
    WorkEnvironmentStatus.NOT_APPLICABLE: _l("Not applicable"),
}

NOT_APPLICABLE_REASON_LABELS: Mapping[NotApplicableReason, LazyString] = {
    NotApplicableReason.NOT_AN_EMPLOYEE: _l(
        "The reporter is not employed in the group (for example a supplier's worker)"),
    NotApplicableReason.NO_LONGER_EMPLOYED: _l("The reporter no longer works in the group"),
    NotApplicableReason.REPORTER_DECLINED: _l("The reporter asked not to be contacted about it"),
    NotApplicableReason.IDENTITY_NOT_KNOWN: _l("The reporter's identity is not known after all"),
}


class WorkplaceAction(AuditActionCatalogue):
    """Audit actions of issue 11 §7."""

    ROUTINES_VERSION_RECORDED = "routines.version_recorded"
    CASE_LEADER_INTAKE = "case.leader_intake_registered"
    CASE_LINKED = "case.linked_to_earlier_case"
    CASE_UNLINKED = "case.unlinked_from_earlier_case"
    WORK_ENVIRONMENT_CHECK_OPENED = "case.work_environment_check_opened"
    WORK_ENVIRONMENT_CHECKED = "case.work_environment_checked"
    WORK_ENVIRONMENT_NOT_APPLICABLE = "case.work_environment_not_applicable"

    @classmethod
    def labels(cls) -> Mapping[StrEnum, LazyString]:
        return WORKPLACE_ACTION_LABELS


WORKPLACE_ACTION_LABELS: dict[StrEnum, LazyString] = {
    WorkplaceAction.ROUTINES_VERSION_RECORDED: _l("New version of the reporting routines "
                                                  "recorded"),
    WorkplaceAction.CASE_LEADER_INTAKE: _l("Concern received by a leader registered"),
    WorkplaceAction.CASE_LINKED: _l("Case linked to an earlier case (retaliation)"),
    WorkplaceAction.CASE_UNLINKED: _l("Link to an earlier case removed"),
    WorkplaceAction.WORK_ENVIRONMENT_CHECK_OPENED: _l("Working-environment check opened"),
    WorkplaceAction.WORK_ENVIRONMENT_CHECKED: _l("Reporter's working environment checked"),
    WorkplaceAction.WORK_ENVIRONMENT_NOT_APPLICABLE: _l("Working-environment check marked not "
                                                        "applicable"),
}
