"""All tables of the portal layer; importing this module registers them on `Base.metadata`."""

from portal.models.approvals import PendingApproval
from portal.models.attention import CaseAssignment, CaseView
from portal.models.audit import AuditCheckpoint, AuditEvent
from portal.models.boundaries import CaseBoundaryGrant, LegalHold
from portal.models.case_links import CaseLink
from portal.models.cases import (
    Attachment,
    Case,
    CaseKeyLink,
    CaseKeyWrap,
    CaseReferenceCounter,
    Message,
)
from portal.models.concerned_person import ConcernedPersonNotice
from portal.models.handling import CaseExclusion, CaseStat, Escalation
from portal.models.heartbeats import JobHeartbeat
from portal.models.information_requests import InformationRequest, InformationRequestWrap
from portal.models.keys import RecoveryKey
from portal.models.languages import LanguageSwitch
from portal.models.notices import PendingNotice
from portal.models.relevance import CaseIdentity, CaseRedaction, IdentityDisclosure
from portal.models.routines import RoutineVersion
from portal.models.sessions import ServerSession
from portal.models.setup import SetupToken
from portal.models.transparency import PublishedAccount
from portal.models.units import OrgUnit
from portal.models.users import UnitMembership, User, UserRole
from portal.models.work_environment import WorkEnvironmentCheck
from portal.states import Role  # beside the models it always was, for existing imports

__all__ = [
    "Attachment",
    "AuditCheckpoint",
    "AuditEvent",
    "Case",
    "CaseAssignment",
    "CaseBoundaryGrant",
    "CaseExclusion",
    "CaseIdentity",
    "CaseKeyLink",
    "CaseKeyWrap",
    "CaseLink",
    "CaseRedaction",
    "CaseReferenceCounter",
    "CaseStat",
    "CaseView",
    "ConcernedPersonNotice",
    "Escalation",
    "IdentityDisclosure",
    "InformationRequest",
    "JobHeartbeat",
    "InformationRequestWrap",
    "LanguageSwitch",
    "LegalHold",
    "Message",
    "OrgUnit",
    "PendingApproval",
    "PendingNotice",
    "PublishedAccount",
    "RecoveryKey",
    "RoutineVersion",
    "Role",
    "ServerSession",
    "SetupToken",
    "UnitMembership",
    "User",
    "UserRole",
    "WorkEnvironmentCheck",
]
