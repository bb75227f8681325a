"""The thorough analysis ("Business Assessment", seed §6.1) a high risk result requires before
its assessment can be closed: questions, findings, evidence references, a conclusion, and the
dialogue with affected workers or their representatives (Transparency Act §4 e) as a recorded
step: when, with whom (a kind of counterpart) and how, never who by name.

The text is business due-diligence content about a company, not case content: it is kept in
clear, but only compliance reads or writes it (not administrators, handlers or auditors).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from portal.audit import Actor, record_event
from portal.db import utcnow
from portal.refusals import N_, Refusal
from portal.serverkeys import ServerKeys
from supplier_dd.models.risk import (
    AssessmentStatus,
    DialogueCounterpart,
    DialogueMethod,
    RiskAssessment,
    ThoroughAnalysis,
)
from supplier_dd.states import SupplierAction

MAX_TEXT = 20_000


@dataclass(frozen=True)
class AnalysisEntry:
    questions: str = ""
    findings: str = ""
    evidence: str = ""
    conclusion: str = ""
    dialogue_on: date | None = None
    dialogue_with: DialogueCounterpart | None = None
    dialogue_how: DialogueMethod | None = None


def analysis_of(db: Session, assessment_id: str) -> ThoroughAnalysis | None:
    return db.get(ThoroughAnalysis, assessment_id)


def record_analysis(db: Session, assessment: RiskAssessment, entry: AnalysisEntry, *,
                    keys: ServerKeys, actor: Actor, now: datetime | None = None,
                    ) -> ThoroughAnalysis:
    """Save the analysis of an open assessment, complete or not yet (audited); closing the
    assessment checks that it is complete."""
    if assessment.status == AssessmentStatus.CLOSED:
        raise Refusal(N_("The assessment is closed; its analysis is kept as it was."))
    texts = (entry.questions, entry.findings, entry.evidence, entry.conclusion)
    if any(len(text) > MAX_TEXT for text in texts):
        raise Refusal(N_("A text is at most %(count)s characters."), count=MAX_TEXT)
    moment = now or utcnow()
    if entry.dialogue_on is not None and entry.dialogue_on > moment.date():
        raise Refusal(N_("The dialogue date cannot be in the future."))
    dialogue = (entry.dialogue_on, entry.dialogue_with, entry.dialogue_how)
    if any(item is not None for item in dialogue) and None in dialogue:
        raise Refusal(N_("Record the dialogue with its date, with whom and how, or leave all "
                         "three empty."))
    analysis = db.get(ThoroughAnalysis, assessment.id)
    if analysis is None:
        analysis = ThoroughAnalysis(assessment_id=assessment.id)
        db.add(analysis)
    analysis.questions, analysis.findings = entry.questions.strip(), entry.findings.strip()
    analysis.evidence, analysis.conclusion = entry.evidence.strip(), entry.conclusion.strip()
    analysis.dialogue_on, analysis.dialogue_with, analysis.dialogue_how = dialogue
    analysis.updated_by = actor.id
    record_event(db, keys.audit, action=SupplierAction.ANALYSIS_RECORDED,
                 actor_kind=actor.kind, actor_id=actor.id, target_id=assessment.id)
    return analysis
