"""Staff accounts: roles, unit memberships, password hash and the sealed hybrid key pair."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import ID, Base, new_id, utcnow
from portal.states import Role


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    # Hybrid ML-KEM-768 + X25519 key pair; the private half sealed under Argon2id(password).
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    sealed_private_key: Mapped[bytes] = mapped_column(LargeBinary)
    # Ed25519 signature (key in the server-keys file) over id, public key and what the key may
    # receive (roles, units); cases are never wrapped to a key without it. None for keys that
    # receive nothing (portal.key_directory).
    key_certificate: Mapped[bytes | None] = mapped_column(LargeBinary)
    # HMAC under a server key: the holder has shown this public key is theirs (the server made
    # the pair, or derived it from the private key they unlocked). Approval requires it.
    key_possession_tag: Mapped[bytes | None] = mapped_column(LargeBinary)
    # TOTP secret sealed under a server key outside the database. None until the holder
    # enrols their own authenticator at their first sign-in (accounts made on the web, or
    # reset with a new authenticator): an administrator never holds the second factor.
    sealed_totp_secret: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    # Last accepted TOTP time step: a code is usable once.
    last_totp_step: Mapped[int] = mapped_column(Integer, default=0)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set when an admin chose the password (web create, reset): the admin knows it, so the
    # user must replace it before doing anything else.
    password_change_required: Mapped[bool] = mapped_column(Boolean, default=False)
    # Bumped by "sign out everywhere" and password resets; sessions carry the generation.
    session_generation: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    roles: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    memberships: Mapped[list[UnitMembership]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    def has_role(self, role: Role) -> bool:
        return any(item.role == role for item in self.roles)

    @property
    def unit_ids(self) -> set[str]:
        return {item.unit_id for item in self.memberships}


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    # Stored by member name ("ADMIN"), SQLAlchemy's default, since the first migration.
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20), primary_key=True)


class UnitMembership(Base):
    __tablename__ = "unit_memberships"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[str] = mapped_column(
        ForeignKey("org_units.id", ondelete="CASCADE"), primary_key=True
    )
