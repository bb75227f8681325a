"""The account's labels, through the catalogues (rendered under `force_locale`)."""

from __future__ import annotations

import gettext as stdlib_gettext
import os
from collections.abc import Mapping

import pycountry
from flask_babel import LazyString, get_locale, gettext
from flask_babel import lazy_gettext as _l

from config import Settings

SECTION_LABELS: Mapping[str, LazyString] = {
    "reports": _l("Whistleblowing reports"),
    "requests": _l("Information requests (Transparency Act §6)"),
    "suppliers": _l("Suppliers and risk assessment"),
    "measures": _l("Measures: action plans, contract reviews, meetings"),
}

TABLE_LABELS: Mapping[str, LazyString] = {
    "reports.received": _l("Reports received"),
    "reports.by_category": _l("Reports by category"),
    "reports.by_channel": _l("Reports by channel"),
    "reports.by_company": _l("Reports by company"),
    "reports.human_rights": _l("Reports concerning human rights"),
    "reports.reporter": _l("Anonymous and named reports"),
    "reports.acknowledgement": _l("Acknowledgement within 7 days"),
    "reports.feedback": _l("Feedback within 3 months"),
    "reports.outcomes": _l("Outcomes of the reports"),
    "reports.human_rights_breaches": _l("Substantiated human-rights breaches"),
    "reports.median_days_to_acknowledgement": _l("Median days to acknowledgement"),
    "reports.median_days_to_feedback": _l("Median days to feedback"),
    "requests.received": _l("Information requests received"),
    "requests.answered_within_three_weeks": _l("Information requests answered within 3 weeks"),
    "requests.extended": _l("Information requests with the deadline extended"),
    "requests.refused": _l("Information requests refused"),
    "suppliers.total": _l("Suppliers in the register at the end of the year"),
    "suppliers.by_tier": _l("Suppliers by tier"),
    "suppliers.by_country": _l("Suppliers by country"),
    "suppliers.by_country_risk": _l("Suppliers by country risk (1 lowest, 5 highest)"),
    "suppliers.large_and_important": _l("Large and important suppliers"),
    "suppliers.assessed": _l("Large and important suppliers risk-assessed in the year"),
    "suppliers.assessed_by_level": _l(
        "Large and important suppliers risk-assessed, by the level of their latest assessment"),
    "suppliers.thorough_analyses": _l("Thorough analyses of high-risk suppliers"),
    "suppliers.conduct": _l("Supplier Code of Conduct coverage"),
    "suppliers.conduct_by_spend_band": _l("Supplier Code of Conduct coverage, by annual spend"),
    "measures.actions_opened": _l("Action-plan items opened"),
    "measures.remediation_opened": _l("Remediation items opened"),
    "measures.actions_closed": _l("Action-plan items closed"),
    "measures.actions_overdue": _l("Action-plan items overdue at the end of the year"),
    "measures.reviews_opened": _l("Contract reviews opened"),
    "measures.reviews_by_trigger": _l("Contract reviews opened, by reason"),
    "measures.decisions": _l("Contract review decisions"),
    "measures.decisions_by_kind": _l("Contract review decisions, by decision"),
    "measures.meetings_held": _l("Supplier meetings held"),
}

ROW_LABELS: Mapping[str, Mapping[str, LazyString]] = {
    "reports.by_channel": {"web": _l("Web form (channel)"), "oral": _l("Oral report (channel)"),
                           "meeting": _l("Meeting (channel)"),
                           "leader": _l("Told to a leader (channel)")},
    "reports.human_rights": {"yes": _l("Concerning human rights"),
                             "no": _l("Not concerning human rights")},
    "reports.reporter": {"anonymous": _l("Anonymous (reporter)"),
                         "named": _l("Name given in confidence"),
                         "unknown": _l("Not known (purged before recorded)")},
    "reports.acknowledgement": {"on_time": _l("In time"), "late": _l("Late"),
                                "closed_without": _l("Closed without an acknowledgement"),
                                "pending": _l("Deadline not yet passed")},
    "reports.feedback": {"on_time": _l("In time"), "late": _l("Late"),
                         "closed_without": _l("Closed without feedback"),
                         "pending": _l("Deadline not yet passed")},
    "reports.outcomes": {"unfounded": _l("Unfounded (outcome)"),
                         "substantiated": _l("Substantiated (outcome)"),
                         "partly_substantiated": _l("Partly substantiated (outcome)"),
                         "not_assessable": _l("Not assessable (outcome)"),
                         "none": _l("Open or no outcome")},
    "suppliers.assessed_by_level": {"low": _l("Low risk"), "medium": _l("Medium risk"),
                                    "high": _l("High risk")},
    "suppliers.conduct": {"signed_ours": _l("Signed our Code of Conduct"),
                          "own_compared": _l("Own code compared with ours"),
                          "none": _l("No code of conduct"),
                          "unrecorded": _l("Not yet recorded (code of conduct)")},
    "measures.reviews_by_trigger": {"breach": _l("Substantiated breach (review reason)"),
                                    "deficiencies": _l("Persistent deficiencies"),
                                    "by_hand": _l("Opened by compliance")},
    "measures.decisions_by_kind": {"continue_with_plan": _l("Continue with an action plan"),
                                   "suspend": _l("Suspend the supplier"),
                                   "terminate": _l("Terminate the contract")},
}


def table_label(key: str) -> str:
    label = TABLE_LABELS.get(key)
    return str(label) if label is not None else key


def section_label(key: str) -> str:
    label = SECTION_LABELS.get(key)
    return str(label) if label is not None else key


def row_label(settings: Settings, table: str, key: str, company_names: Mapping[str, str]) -> str:
    """A row's label: from the fixed lists, the configured categories, company names, country
    names; "total" rows take the table's own label."""
    if key == "total":
        return table_label(table)
    fixed = ROW_LABELS.get(table, {}).get(key)
    if fixed is not None:
        return str(fixed)
    if table == "reports.by_category":
        for category in settings.categories:
            if category.code == key:
                return str(gettext(category.label))
    if table == "reports.by_company":
        return company_names.get(key, str(gettext("No company given")))
    if table == "suppliers.by_tier":
        return str(gettext("Tier %(tier)s", tier=key))
    if table == "suppliers.by_country_risk":
        if key == "unrated":
            return str(gettext("No country rating"))
        return str(gettext("Country risk %(score)s", score=key.removeprefix("score_")))
    if table == "suppliers.by_country":
        return country_name(key)
    if table == "suppliers.conduct_by_spend_band":
        band, _, coverage = key.rpartition(":")
        coverage_label = row_label(settings, "suppliers.conduct", coverage, company_names)
        return f"{spend_band_label(settings, band)}: {coverage_label}"
    return key


def spend_band_label(settings: Settings, code: str) -> str:
    """A spend band's configured label ("no_band": none recorded)."""
    for band in settings.spend_bands:
        if band.code == code:
            return str(gettext(band.label))
    if code == "no_band":
        return str(gettext("No annual spend recorded"))
    return code


def country_name(code: str) -> str:
    """The country's name in the language being rendered (pycountry ships the ISO 3166
    translations)."""
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    locale = get_locale()
    language = str(locale.language) if locale else "en"
    # pycountry names some catalogues by language and country only (nb_NO).
    languages = [language] + sorted(name for name in os.listdir(pycountry.LOCALES_DIR)
                                    if name.startswith(f"{language}_"))
    names = stdlib_gettext.translation("iso3166-1", pycountry.LOCALES_DIR,
                                       languages=languages, fallback=True)
    return names.gettext(str(country.name))
