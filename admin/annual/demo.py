"""The annual account's part of `aktsom demo` (issue 13 §8): two past years of reports, so
the account's figures and the comparison with the year before mean something, and last
year's draft of the group's joint account, written by one compliance officer for the other
to approve (four eyes); information requests of the same two years, received, answered,
extended and refused through the register's own service; and the supplier register's stored
year-end figures of the two years before, so the supplier figures have a previous year too."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

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
from portal.information import service as requests
from portal.information.states import ContactKind, RefusalGround
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


@dataclass(frozen=True)
class DemoRequest:
    """An information request of the demo: to a company (None: the group as a whole),
    received `day` days into the year, and what became of it: answered or refused
    `closed_after` days after receipt, after an extension given `extended_after` days after
    receipt to `extended_to` days after it (None: no extension)."""

    unit: str | None
    day: int
    name: str
    question: str
    closed_after: int
    refused: RefusalGround | None = None
    extended_after: int | None = None
    extended_to: int | None = None


# The information requests of last year and of the year before. The answer is due three weeks
# after receipt, to the end of that day: closed 4 to 14 days after receipt is in time, 25 days
# is late; an extension is given 10 days after receipt (inside the three weeks) and the answer
# comes before the date it gave.
_REQUESTS_LAST_YEAR = (
    DemoRequest("DEMO-NO", 25, "Kari Nordmann",
                "Which agencies supply the warehouse with temporary staff?", closed_after=12),
    DemoRequest(None, 80, "", "Which of your suppliers make your staff uniforms, and where?",
                closed_after=40, extended_after=10, extended_to=45),
    DemoRequest("DEMO-NO", 140, "Ola Journalist",
                "What did you pay the staffing agency last year?", closed_after=9,
                refused=RefusalGround.TRADE_SECRETS),
    DemoRequest("DEMO-LT", 210, "", "Do you buy cobalt or mica, and from which countries?",
                closed_after=6),
    DemoRequest("DEMO-NO", 300, "Per Student",
                "How do you check working hours at your furniture supplier?", closed_after=25),
)
_REQUESTS_YEAR_BEFORE = (
    DemoRequest("DEMO-NO", 60, "", "Which factories sew your uniforms?", closed_after=14),
    DemoRequest("DEMO-NO", 190, "Anna Researcher",
                "How do you assess your suppliers of building services?",
                closed_after=50, extended_after=10, extended_to=55),
    DemoRequest("DEMO-NO", 270, "", "Where is your Transparency Act account published?",
                closed_after=4),
)


def add_request_history(db: Session, settings: Settings, keys: ServerKeys,
                        factory: sessionmaker[Session], password: str, *,
                        now: datetime) -> int:
    """Information requests in the two years before `now`'s, filed, extended, answered or
    refused and posted on their dates by Cora Compliance through the register's own service
    (sealed as report content is); every requester gave a postal address, so no letter
    leaves the machine. Returns how many were made."""
    units = {unit.code: unit.id for unit in db.scalars(select(OrgUnit))}
    officer = db.scalars(select(User).where(User.email == _WRITER)).one()
    private_key = open_private_key(officer.sealed_private_key, password,
                                   pepper=keys.key_sealing)
    made = 0
    for year, items in ((now.year - 1, _REQUESTS_LAST_YEAR),
                        (now.year - 2, _REQUESTS_YEAR_BEFORE)):
        for item in items:
            received = datetime(year, 1, 1, 11, tzinfo=UTC) + timedelta(days=item.day)
            filed = requests.file_request(
                db, keys, settings, unit_id=units[item.unit] if item.unit else None,
                name=item.name, contact_kind=ContactKind.POSTAL,
                contact="Storgata 1\n0155 Oslo", question=item.question, language="en",
                now=received)
            made += 1
            opened = requests.open_request(db, filed.id, officer.id, private_key)
            if opened is None:
                continue
            if item.extended_after is not None and item.extended_to is not None:
                at = received + timedelta(days=item.extended_after)
                requests.extend(db, keys, settings, opened, officer,
                                until=(received + timedelta(days=item.extended_to)).date(),
                                reason="We must ask several suppliers first.",
                                factory=factory, now=at)
                requests.mark_posted(db, keys, filed, officer, now=at)
            closed = received + timedelta(days=item.closed_after)
            if item.refused is not None:
                requests.refuse(db, keys, settings, opened, officer, ground=item.refused,
                                explanation="", factory=factory, now=closed)
            else:
                requests.answer(db, keys, settings, opened, officer, factory=factory,
                                text="Thank you for your question. Here is our answer.",
                                now=closed)
            requests.mark_posted(db, keys, filed, officer, now=closed)
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
