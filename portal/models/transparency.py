"""Published Transparency Act accounts (Åpenhetsloven §5; issue 13 §5).

A row is a frozen snapshot: the figures and the texts as they were approved and signed,
stored as JSON with its HMAC-SHA-256 under a server key, never updated. A new version of a
year's account is a new row; the earlier ones stay public. The public page
(`portal.transparency`) reads only these rows, never live data. The drafts and the workflow
live in `admin.annual`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import ID, Base, new_id, utcnow

# The scope of the group's joint account; a company's account has its org unit id.
GROUP_SCOPE = "group"


class PublishedAccount(Base):
    __tablename__ = "published_accounts"
    __table_args__ = (UniqueConstraint("year", "scope", "version"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    year: Mapped[int] = mapped_column(index=True)
    # An org unit id, or GROUP_SCOPE. Not a foreign key: a published account outlives a
    # company that later leaves the group.
    scope: Mapped[str] = mapped_column(String(32), index=True)
    version: Mapped[int]
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The canonical JSON of the snapshot and its HMAC (hex, portal.transparency.digest_of):
    # a row changed or planted without the server keys is not shown.
    snapshot: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))
