"""All tables of the portal layer; importing this module registers them on `Base.metadata`."""

from portal.models.approvals import PendingApproval
from portal.models.audit import AuditCheckpoint, AuditEvent
from portal.models.cases import Attachment, Case, CaseKeyLink, CaseKeyWrap, Message
from portal.models.handling import CaseExclusion, CaseStat, Escalation
from portal.models.keys import RecoveryKey
from portal.models.notices import PendingNotice
from portal.models.relevance import CaseIdentity, CaseRedaction, IdentityDisclosure
from portal.models.sessions import ServerSession
from portal.models.setup import SetupToken
from portal.models.units import OrgUnit
from portal.models.users import UnitMembership, User, UserRole
from portal.states import Role  # beside the models it always was, for existing imports

__all__ = [
    "Attachment",
    "AuditCheckpoint",
    "AuditEvent",
    "Case",
    "CaseExclusion",
    "CaseIdentity",
    "CaseKeyLink",
    "CaseKeyWrap",
    "CaseRedaction",
    "CaseStat",
    "Escalation",
    "IdentityDisclosure",
    "Message",
    "OrgUnit",
    "PendingApproval",
    "PendingNotice",
    "RecoveryKey",
    "Role",
    "ServerSession",
    "SetupToken",
    "UnitMembership",
    "User",
    "UserRole",
]
