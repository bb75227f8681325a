"""Translated names of the case vocabulary (statuses, channels, outcomes, decisions, clock
states), in one place for the list, the case page and the forms."""

from __future__ import annotations

from flask_babel import gettext as _

from config import Settings
from portal.deadlines import (
    CLOSED_WITHOUT_ACKNOWLEDGEMENT,
    CLOSED_WITHOUT_FEEDBACK,
    CLOSED_WITHOUT_MEETING,
)
from portal.states import CaseStatus, Channel, EscalationDecision, MessageKind, Outcome


def status_labels() -> dict[str, str]:
    return {CaseStatus.NEW: _("New"), CaseStatus.ACKNOWLEDGED: _("Acknowledged"),
            CaseStatus.IN_PROGRESS: _("Being investigated"), CaseStatus.CLOSED: _("Closed")}


def channel_labels() -> dict[str, str]:
    return {Channel.WEB: _("Web form"), Channel.ORAL: _("Oral"),
            Channel.MEETING: _("Meeting"), Channel.LEADER: _("Received by a leader")}


def outcome_labels() -> dict[str, str]:
    return {Outcome.UNFOUNDED: _("Unfounded"), Outcome.SUBSTANTIATED: _("Substantiated"),
            Outcome.PARTLY_SUBSTANTIATED: _("Partly substantiated"),
            Outcome.NOT_ASSESSABLE: _("Not assessable")}


def decision_labels() -> dict[str, str]:
    return {EscalationDecision.CONTINUE_WITH_PLAN: _("Continue with an action plan"),
            EscalationDecision.SUSPEND: _("Suspend the cooperation"),
            EscalationDecision.TERMINATE: _("Terminate the agreement")}


def clock_labels() -> dict[str, str]:
    return {"open": _("open"), "due-soon": _("due soon"), "overdue": _("overdue"),
            "done": _("done in time"), "late": _("done late"),
            CLOSED_WITHOUT_ACKNOWLEDGEMENT: _("closed without acknowledgement"),
            CLOSED_WITHOUT_FEEDBACK: _("closed without feedback"),
            CLOSED_WITHOUT_MEETING: _("closed without the meeting")}


def message_kind_labels() -> dict[str, str]:
    return {MessageKind.MESSAGE: _("Message"), MessageKind.NOTE: _("Internal note"),
            MessageKind.ACKNOWLEDGEMENT: _("Acknowledgement of receipt"),
            MessageKind.MINUTES: _("Minutes"),
            MessageKind.MINUTES_CONFIRMATION: _("Minutes confirmed by the reporter"),
            MessageKind.MINUTES_CORRECTION: _("Correction of the minutes requested")}


def category_labels(settings: Settings) -> dict[str, str]:
    return {item.code: _(item.label) for item in settings.categories}


def all_labels(settings: Settings) -> dict[str, dict[str, str]]:
    """Every vocabulary, for templates: `labels.status[case.status]`."""
    return {"status": status_labels(), "channel": channel_labels(),
            "outcome": outcome_labels(), "decision": decision_labels(),
            "clock": clock_labels(), "kind": message_kind_labels(),
            "category": category_labels(settings)}
