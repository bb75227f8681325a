"""The supplier register of `aktsom demo` (admin/demo.py calls `add_supplier_register`).

Fictional companies, realistic in shape: tiers 1 to 3, countries of several risk levels, a
wholesaler fronting its producer, expired certificates beside valid ones, and several large
and important suppliers (by spend, and one by hand). `add_due_diligence` adds Code of Conduct
records and a high-risk supplier mid-analysis; the workflow (action plan, meeting, review) is
supplier_dd.demo_workflow's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from config import Settings
from portal.audit import CONSOLE, Actor
from portal.models import OrgUnit, User
from portal.serverkeys import ServerKeys
from portal.states import ActorKind
from supplier_dd.analysis import AnalysisEntry, record_analysis
from supplier_dd.conduct import AreaEntry, record_no_code, record_own_code, record_signed_ours
from supplier_dd.models import Supplier
from supplier_dd.models.conduct import AreaMark
from supplier_dd.models.risk import AssessmentStatus, RiskAssessment
from supplier_dd.register import SupplierInput, add_certification, save_supplier
from supplier_dd.risk import Transparency, gather_inputs, record_assessment


@dataclass(frozen=True)
class DemoSupplier:
    key: str
    name: str
    country: str
    tier: int
    sector: str
    groups: tuple[str, ...]
    spend_band: str | None
    buyers: tuple[str, ...]
    # (scheme, days from today until expiry; negative: expired)
    certificates: tuple[tuple[str, int], ...] = ()
    fronts: str | None = None
    large_reason: str | None = None
    termination_clause: bool | None = None


DEMO_SUPPLIERS = (
    DemoSupplier("board", "Shenzhen Board Works Co., Ltd.", "CN", 2, "manufacturing",
                 ("ict_electronics",), "1m_10m", ("DEMO-NO",),
                 (("ISO 9001", 400), ("RBA", -30)), termination_clause=False),
    DemoSupplier("hanoi", "Hanoi Furniture JSC", "VN", 1, "manufacturing", ("furniture",),
                 "100k_1m", ("DEMO-NO", "DEMO-LT"), (("amfori BSCI", -200),)),
    DemoSupplier("office", "Nordic Office Supply AS", "NO", 1, "wholesale",
                 ("office_supplies", "furniture"), "over_10m", ("DEMO-NO", "DEMO-LT"),
                 (("ISO 14001", 500),), fronts="hanoi", termination_clause=True),
    DemoSupplier("uniforms", "Dhaka Uniform Textiles Ltd.", "BD", 1, "manufacturing",
                 ("textiles",), "100k_1m", ("DEMO-NO",), (("SA8000", -60), ("SMETA", 45)),
                 large_reason="The only maker of our staff uniforms; hard to replace.",
                 termination_clause=True),
    DemoSupplier("cobalt", "Katanga Cobalt Processing SARL", "CD", 3, "raw_materials",
                 ("minerals_3tg_cobalt",), None, ()),
    DemoSupplier("mica", "Jharkhand Mica Traders Pvt. Ltd.", "IN", 3, "raw_materials",
                 ("mica",), None, ()),
    DemoSupplier("solar", "Baltic Solar UAB", "LT", 1, "manufacturing", ("solar_panels",),
                 "1m_10m", ("DEMO-LT",), (("ISO 9001", 20),)),
    DemoSupplier("build", "Polska Budowa Sp. z o.o.", "PL", 1, "construction",
                 ("construction_services",), "over_10m", ("DEMO-LT",),
                 (("ISO 45001", 300), ("ISO 14001", 300)), termination_clause=True),
    DemoSupplier("vision", "Vision Secure GmbH", "DE", 1, "manufacturing", ("surveillance",),
                 "100k_1m", ("DEMO-NO",)),
    DemoSupplier("clean", "Sverige Städ AB", "SE", 1, "services", ("cleaning",), "under_100k",
                 ("DEMO-NO",), (("ISO 14001", 700),)),
)


def add_supplier_register(db: Session, settings: Settings, keys: ServerKeys,
                          units: dict[str, OrgUnit], today: date | None = None) -> list[Supplier]:
    """Add the demo register (every supplier through the register's own rules, audited as
    the console). Groups, sectors and bands the configuration does not have are left out."""
    today = today or date.today()
    groups = {item.code for item in settings.product_groups}
    sectors = {item.code for item in settings.supplier_sectors}
    bands = {band.code for band in settings.spend_bands}
    made: dict[str, Supplier] = {}
    for number, demo in enumerate(DEMO_SUPPLIERS, start=1):
        fronts = made[demo.fronts].id if demo.fronts else None
        supplier = save_supplier(db, settings, keys, CONSOLE, SupplierInput(
            name=demo.name, org_number=f"DEMO-{demo.country}-{number:04d}",
            country=demo.country, tier=demo.tier,
            sector=demo.sector if demo.sector in sectors else None,
            product_groups=[code for code in demo.groups if code in groups],
            is_wholesaler=demo.fronts is not None, fronts_id=fronts,
            buyer_unit_ids=[units[code].id for code in demo.buyers if code in units],
            spend_band=demo.spend_band if demo.spend_band in bands else None,
            large_by_hand=demo.large_reason is not None, large_reason=demo.large_reason,
            contract_start=today - timedelta(days=400 + 30 * number) if demo.buyers else None,
            contract_end=today + timedelta(days=300 + 60 * number) if demo.buyers else None,
            termination_clause=demo.termination_clause))
        for scheme, days in demo.certificates:
            add_certification(db, keys, CONSOLE, supplier, scheme=scheme,
                              expires_on=today + timedelta(days=days),
                              reference=f"DEMO-{scheme.replace(' ', '')}-{number:03d}")
        made[demo.key] = supplier
    return list(made.values())


# --- Code of Conduct coverage and a high-risk supplier mid-analysis -----------------------------

# The demo supplier whose own code leaves out an essential area (a gap opens), the one that
# signed ours, and the one with none (keys of DEMO_SUPPLIERS).
CONDUCT_SIGNED, CONDUCT_COMPARED, CONDUCT_NONE = "office", "board", "hanoi"
# A high risk (Bangladesh, textiles, an expired SA8000) with its analysis begun, not finished.
MID_ANALYSIS = "uniforms"


@dataclass(frozen=True)
class DemoDueDiligence:
    gaps_opened: int
    mid_analysis: RiskAssessment


def demo_supplier(suppliers: list[Supplier], key: str) -> Supplier:
    """The demo register's supplier of `key` (DEMO_SUPPLIERS), among `suppliers`."""
    name = next(demo.name for demo in DEMO_SUPPLIERS if demo.key == key)
    return next(supplier for supplier in suppliers if supplier.name == name)


def add_due_diligence(db: Session, settings: Settings, keys: ServerKeys,
                      register: list[Supplier], *, compliance: User,
                      today: date | None = None) -> DemoDueDiligence:
    """Code of Conduct records (one signed, one compared with a gap, one none) and a high-risk
    supplier whose assessment waits for its thorough analysis, recorded as `compliance`.
    `register` is what `add_supplier_register` made."""
    today = today or date.today()
    suppliers = {key: demo_supplier(register, key)
                 for key in (CONDUCT_SIGNED, CONDUCT_COMPARED, CONDUCT_NONE, MID_ANALYSIS)}
    actor = Actor(ActorKind.USER, compliance.id)
    record_signed_ours(db, suppliers[CONDUCT_SIGNED], version="2025-1",
                       signed_on=today - timedelta(days=90), keys=keys, actor=actor)
    areas = settings.conduct_areas
    essential = next((area.code for area in areas if area.essential), None)
    entries = {area.code: AreaEntry(AreaMark.MISSING if area.code == essential
                                    else AreaMark.COVERED, f"section {number}")
               for number, area in enumerate(areas, start=1)}
    gaps = record_own_code(db, suppliers[CONDUCT_COMPARED], settings,
                           title="Supplier Code of Ethics 2.1",
                           compared_on=today - timedelta(days=30), entries=entries,
                           keys=keys, actor=actor)
    record_no_code(db, suppliers[CONDUCT_NONE], keys=keys, actor=actor)
    supplier = suppliers[MID_ANALYSIS]
    inputs = gather_inputs(db, supplier, settings, today,
                           transparency=Transparency(mapping_shared=True))
    assessment = record_assessment(db, supplier, inputs, settings, keys=keys, actor=actor)
    if assessment.status == AssessmentStatus.AWAITING_ANALYSIS:
        record_analysis(db, assessment, AnalysisEntry(
            questions="Are overtime hours voluntary and paid? Are exits kept unlocked?",
            findings="Peak-season weeks above 60 hours on the sewing lines.",
            evidence="SMETA audit summary; overtime records for March."),
            keys=keys, actor=actor)
    return DemoDueDiligence(gaps_opened=len(gaps), mid_analysis=assessment)
