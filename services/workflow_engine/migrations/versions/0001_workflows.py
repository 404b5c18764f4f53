"""Create the workflows and workflow_revisions tables.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workflows",
        sa.Column("tenant", sa.String(64), primary_key=True),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("etag", sa.String(32), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("definition_yaml", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("schedule", sa.String(128), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
    )
    op.create_index("workflows_by_tenant_time", "workflows", ["tenant", "create_time"])
    op.create_table(
        "workflow_revisions",
        sa.Column("tenant", sa.String(64), primary_key=True),
        sa.Column("workflow_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("definition_yaml", sa.Text, nullable=False),
        sa.Column("schedule", sa.String(128), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant", "workflow_id"], ["workflows.tenant", "workflows.id"],
                                name="workflow_revisions_workflow_fk"),
    )


def downgrade() -> None:
    op.drop_table("workflow_revisions")
    op.drop_index("workflows_by_tenant_time", table_name="workflows")
    op.drop_table("workflows")
