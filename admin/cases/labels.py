"""Translated names of the case vocabulary (statuses, channels, outcomes, decisions, clock
states), in one place for the list, the case page and the forms."""

from __future__ import annotations

from flask_babel import gettext as _

from config import Settings


def status_labels() -> dict[str, str]:
    return {"new": _("New"), "acknowledged": _("Acknowledged"),
            "in_progress": _("Being investigated"), "closed": _("Closed")}


def channel_labels() -> dict[str, str]:
    return {"web": _("Web form"), "oral": _("Oral"), "meeting": _("Meeting")}


def outcome_labels() -> dict[str, str]:
    return {"unfounded": _("Unfounded"), "substantiated": _("Substantiated"),
            "partly_substantiated": _("Partly substantiated"),
            "not_assessable": _("Not assessable")}


def decision_labels() -> dict[str, str]:
    return {"continue_with_plan": _("Continue with an action plan"),
            "suspend": _("Suspend the cooperation"), "terminate": _("Terminate the agreement")}


def clock_labels() -> dict[str, str]:
    return {"open": _("open"), "due-soon": _("due soon"), "overdue": _("overdue"),
            "done": _("done in time"), "late": _("done late")}


def message_kind_labels() -> dict[str, str]:
    return {"message": _("Message"), "note": _("Internal note"),
            "acknowledgement": _("Acknowledgement of receipt"), "minutes": _("Minutes"),
            "minutes-confirmation": _("Minutes confirmed by the reporter"),
            "minutes-correction": _("Correction of the minutes requested")}


def category_labels(settings: Settings) -> dict[str, str]:
    return {item.code: _(item.label) for item in settings.categories}


def all_labels(settings: Settings) -> dict[str, dict[str, str]]:
    """Every vocabulary, for templates: `labels.status[case.status]`."""
    return {"status": status_labels(), "channel": channel_labels(),
            "outcome": outcome_labels(), "decision": decision_labels(),
            "clock": clock_labels(), "kind": message_kind_labels(),
            "category": category_labels(settings)}
