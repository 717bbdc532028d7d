"""Users, their roles and org scopes, and API tokens for systems, on the shared metadata.

A scope names one org unit code; which units lie below it is the effective-dated tree's answer on the date a
question is asked, so a user of a merged village keeps seeing what the tree rolls into it."""

from sqlalchemy import JSON, Boolean, Column, DateTime, ForeignKey, Integer, String, Table

from biaotong.store.schema import metadata

users = Table(
    "users",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("display_name", String(100), nullable=False),
    Column("password_hash", String(200), nullable=True, comment="argon2id; NULL: may not log in to the web"),
    Column("roles", JSON, nullable=False, comment="role slugs of biaotong.auth.actor.ROLES"),
    Column("org_code", String(12), nullable=True, comment="root of the org subtree; NULL: the whole tree"),
    Column("department", String(100), nullable=True, comment="catalog department id (designers)"),
    Column("clearance", String(16), nullable=False, comment="public | staff | cleared (masking)"),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(16), primary_key=True, comment="public part of the token, bt_<id>_<secret>"),
    Column("username", String(64), ForeignKey("users.username"), nullable=False, index=True),
    Column("label", String(100), nullable=False),
    Column("secret_sha256", String(64), nullable=False, comment="the secret is random: a fast hash suffices"),
    Column("roles", JSON, nullable=False, comment="a subset of the owner's roles"),
    Column("org_code", String(12), nullable=True, comment="within the owner's scope"),
    Column("clearance", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Column("last_used_at", DateTime(timezone=True), nullable=True),
)
