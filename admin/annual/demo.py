"""The annual account's part of `aktsom demo` (issue 13 §8): two past years of reports, so
the account's figures and the comparison with the year before mean something, and last
year's draft of the group's joint account, written by one compliance officer for the other
to approve (four eyes); and the supplier register's stored year-end figures of the two years
before, so the supplier figures have a previous year too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from admin.annual.accounts import open_account, save_texts
from config import Settings
from crypto import open_private_key
from portal.cases.handling import (
    acknowledge,
    acknowledgement_text,
    open_for_handler,
    reply_to_reporter,
)
from portal.cases.submission import NewReport, submit_report
from portal.models import OrgUnit, User
from portal.models.transparency import GROUP_SCOPE
from portal.serverkeys import ServerKeys
from portal.storage import FileStore
from supplier_dd.models import Supplier
from supplier_dd.stats import take_year_end

# (unit, category, days into the year, acknowledged after days or None, feedback after days
# or None) for last year; the year before has the first `_EARLIER` of them.
_REPORTS = (
    ("DEMO-NO", "forced_labour", 20, 2, 60),
    ("DEMO-NO", "working_conditions", 45, 3, 80),
    ("DEMO-NO", "working_conditions", 70, 1, 40),
    ("DEMO-LT", "corruption", 90, 5, 85),
    ("DEMO-NO", "unfair_wages", 130, 2, None),
    ("DEMO-LT", "working_conditions", 160, 9, 120),
    ("DEMO-NO", "harassment", 200, 4, 70),
    ("DEMO-NO", "forced_labour", 240, 2, 75),
    ("DEMO-LT", "fraud", 280, None, None),
)
_EARLIER = 5
_HANDLERS = {"DEMO-NO": "nora@demo.example", "DEMO-LT": "lina@demo.example"}
_WRITER = "cora@demo.example"

DEMO_TEXTS = {
    "a": {"nb": "Konsernet har to selskaper: **Demo Nordic AS** (lager og logistikk) og "
                "**Demo Baltic UAB** (innkjøp).\n\n- Retningslinjer for ansvarlig "
                "næringsliv, vedtatt av styrene\n- Varslingskanal for ansatte, leverandører "
                "og andre\n- Leverandørregister med risikovurdering",
          "en": "The group has two companies: **Demo Nordic AS** (warehousing and logistics) "
                "and **Demo Baltic UAB** (purchasing).\n\n- Responsible business guidelines "
                "adopted by the boards\n- A reporting channel for employees, suppliers and "
                "others\n- A supplier register with risk assessment"},
    "b": {"nb": "Vi fant risiko for *gjeldsarbeid* hos et bemanningsbyrå og mangelfullt "
                "verneutstyr hos en leverandør av emballasje.",
          "en": "We found a risk of *debt bondage* at a staffing agency and missing "
                "protective equipment at a packaging supplier."},
    "c": {"nb": "- Handlingsplan med bemanningsbyrået; gebyrene er betalt tilbake\n"
                "- Revisjon av emballasjeleverandøren i mars",
          "en": "- An action plan with the staffing agency; the fees were paid back\n"
                "- An audit of the packaging supplier in March"},
}


def add_account_history(db: Session, settings: Settings, keys: ServerKeys, store: FileStore,
                        password: str, *, now: datetime) -> int:
    """Reports in the two years before `now`'s, acknowledged and answered on their dates;
    returns how many were made."""
    units = {unit.code: unit for unit in db.scalars(select(OrgUnit))}
    handlers = {code: db.scalars(select(User).where(User.email == email)).one()
                for code, email in _HANDLERS.items()}
    made = 0
    for year, reports in ((now.year - 1, _REPORTS), (now.year - 2, _REPORTS[:_EARLIER])):
        for unit_code, category_code, day, ack_after, feedback_after in reports:
            received = datetime(year, 1, 1, 10, tzinfo=UTC) + timedelta(days=day)
            category = next(item for item in settings.categories
                            if item.code == category_code)
            submitted = submit_report(
                db, settings=settings, server_keys=keys, store=store, uploads=[], now=received,
                report=NewReport(category=category.code, human_rights=category.human_rights,
                                 unit_id=units[unit_code].id, language="en",
                                 description=f"Demo report of {received:%B %Y}."))
            made += 1
            if ack_after is None:
                continue
            handler = handlers[unit_code]
            opened = open_for_handler(db, submitted.case.id, handler, open_private_key(
                handler.sealed_private_key, password, pepper=keys.key_sealing))
            if opened is None:
                continue
            acknowledge(db, keys, settings, opened=opened, user=handler,
                        text=acknowledgement_text("en", settings),
                        now=received + timedelta(days=ack_after))
            if feedback_after is not None:
                reply_to_reporter(db, keys, opened=opened, user=handler, is_feedback=True,
                                  body="We looked into it and have taken measures.",
                                  now=received + timedelta(days=feedback_after))
    return made


def add_account_draft(db: Session, keys: ServerKeys, *, now: datetime) -> None:
    """Last year's joint account of the group, drafted by Cora: Olav approves it."""
    writer = db.scalars(select(User).where(User.email == _WRITER)).one()
    account = open_account(db, now.year - 1, GROUP_SCOPE)
    save_texts(db, keys, writer, account, DEMO_TEXTS, now=now)


def add_supplier_history(db: Session, settings: Settings, *, now: datetime) -> None:
    """The demo register as it grew: two thirds of the suppliers came in two years ago, the
    rest last year; the year before last ended before any Code of Conduct was recorded, so
    its stored year-end figures (`aktsom suppliers year-end`) differ from last year's. Run
    before the due diligence is recorded; `add_last_year_end` stores last year's after."""
    suppliers = list(db.scalars(select(Supplier).order_by(Supplier.name)))
    early = len(suppliers) * 2 // 3
    for number, supplier in enumerate(suppliers):
        supplier.created_at = (datetime(now.year - 2, 2, 1, tzinfo=UTC) if number < early
                               else datetime(now.year - 1, 4, 1, tzinfo=UTC))
    db.flush()
    take_year_end(db, settings, now.year - 2, now=now)


def add_last_year_end(db: Session, settings: Settings, *, now: datetime) -> None:
    """Last year's stored year-end figures, with the Code of Conduct records as they are."""
    take_year_end(db, settings, now.year - 1, now=now)
