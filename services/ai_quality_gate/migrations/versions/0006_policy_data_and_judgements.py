"""Policies as versioned data per agent type (agent_type, revision, on_failure,
max_repair_rounds, pass_score) and the judgement of each validation (action, agent type,
prompt version, round, policy revision, content quality, a second model's verification).

Validations recorded before keep their verdict; their action follows from it (PASS: ACCEPT,
FAIL: REJECT) and their content quality is their score, which was that heuristic then.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-18
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _policy_columns() -> tuple[sa.Column[object], ...]:
    return (
        sa.Column("agent_type", sa.String(64), nullable=False, server_default=""),
        sa.Column("revision", sa.BigInteger, nullable=False, server_default="1"),
        sa.Column("on_failure", sa.String(32), nullable=False, server_default="REPAIR"),
        sa.Column("max_repair_rounds", sa.Integer, nullable=False, server_default="2"),
        sa.Column("pass_score", sa.Float, nullable=False, server_default="0.7"),
    )


def _validation_columns() -> tuple[sa.Column[object], ...]:
    return (
        sa.Column("action", sa.String(32), nullable=False, server_default="ACCEPT"),
        sa.Column("agent_type", sa.String(64), nullable=False, server_default=""),
        sa.Column("prompt_version", sa.String(128), nullable=False, server_default=""),
        sa.Column("round", sa.Integer, nullable=False, server_default="0"),
        sa.Column("policy_revision", sa.BigInteger, nullable=False, server_default="1"),
        sa.Column("content_quality", sa.Float, nullable=False, server_default="0"),
        sa.Column("verification", sa.JSON, nullable=True),
    )


def upgrade() -> None:
    with op.batch_alter_table("policies") as batch:
        for column in _policy_columns():
            batch.add_column(column)
    op.create_index("policies_by_agent_type", "policies", ["tenant", "agent_type", "create_time"])
    with op.batch_alter_table("validations") as batch:
        for column in _validation_columns():
            batch.add_column(column)
    op.execute("UPDATE validations SET action = 'REJECT' WHERE verdict = 'FAIL'")
    op.execute("UPDATE validations SET content_quality = score")
    op.create_index("validations_by_agent_type", "validations",
                    ["tenant", "agent_type", "prompt_version", "create_time"])


def downgrade() -> None:
    op.drop_index("validations_by_agent_type", table_name="validations")
    with op.batch_alter_table("validations") as batch:
        for column in _validation_columns():
            batch.drop_column(column.name)
    op.drop_index("policies_by_agent_type", table_name="policies")
    with op.batch_alter_table("policies") as batch:
        for column in _policy_columns():
            batch.drop_column(column.name)
