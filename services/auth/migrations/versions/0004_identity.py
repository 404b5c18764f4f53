"""Add identity: API keys, refresh tokens, revoked access tokens and failed sign-in counters.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _time(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("tenant", sa.String(64), primary_key=True),
        sa.Column("id", sa.String(64), primary_key=True),
        _time("create_time"),
        _time("update_time"),
        sa.Column("etag", sa.String(32), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("scopes", sa.JSON, nullable=False),
        sa.Column("key_prefix", sa.String(128), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        _time("expire_time", nullable=True),
        _time("revoke_time", nullable=True),
    )
    op.create_index("api_keys_by_tenant_time", "api_keys", ["tenant", "create_time"])
    op.create_index("api_keys_by_secret_hash", "api_keys", ["secret_hash"], unique=True)

    op.create_table(
        "refresh_tokens",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("family", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(256), nullable=False),
        sa.Column("scopes", sa.JSON, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        _time("create_time"),
        _time("expire_time"),
        sa.Column("access_token_id", sa.String(64), nullable=False),
        _time("access_expire_time"),
        _time("used_time", nullable=True),
        _time("revoke_time", nullable=True),
    )
    op.create_index("refresh_tokens_by_hash", "refresh_tokens", ["token_hash"], unique=True)
    op.create_index("refresh_tokens_by_family", "refresh_tokens", ["family"])
    op.create_index("refresh_tokens_by_subject", "refresh_tokens", ["tenant", "subject"])
    op.create_index("refresh_tokens_by_expiry", "refresh_tokens", ["expire_time"])

    op.create_table(
        "revoked_tokens",
        sa.Column("token_id", sa.String(64), primary_key=True),
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(256), nullable=False),
        _time("expire_time"),
        _time("revoke_time"),
    )
    op.create_index("revoked_tokens_by_expiry", "revoked_tokens", ["expire_time"])

    op.create_table(
        "login_failures",
        sa.Column("tenant", sa.String(64), primary_key=True),
        sa.Column("email", sa.String(320), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        _time("window_start"),
        _time("locked_until", nullable=True),
    )
    op.create_index("login_failures_by_window", "login_failures", ["window_start"])


def downgrade() -> None:
    op.drop_index("login_failures_by_window", table_name="login_failures")
    op.drop_table("login_failures")
    op.drop_index("revoked_tokens_by_expiry", table_name="revoked_tokens")
    op.drop_table("revoked_tokens")
    for index in ("refresh_tokens_by_expiry", "refresh_tokens_by_subject",
                  "refresh_tokens_by_family", "refresh_tokens_by_hash"):
        op.drop_index(index, table_name="refresh_tokens")
    op.drop_table("refresh_tokens")
    op.drop_index("api_keys_by_secret_hash", table_name="api_keys")
    op.drop_index("api_keys_by_tenant_time", table_name="api_keys")
    op.drop_table("api_keys")
