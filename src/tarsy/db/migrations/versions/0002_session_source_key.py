"""session source key and resolved_at (Alertmanager deduplication)

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 10:00:00

``alert_sessions.source_key`` names the notification a session came from (an Alertmanager alert
group or alert); a partial unique index lets at most one live session (pending, in_progress,
cancelling, not deleted) hold a key, so replicas receiving the same notification at once cannot
both create a session. ``resolved_at`` records when the source reported the alert resolved.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

LIVE = (
    "source_key IS NOT NULL AND deleted_at IS NULL "
    "AND status IN ('pending', 'in_progress', 'cancelling')"
)


def upgrade() -> None:
    op.add_column("alert_sessions", sa.Column("source_key", sa.String(length=128), nullable=True))
    op.add_column(
        "alert_sessions", sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_index(
        "ix_alert_sessions_source_key_created_at",
        "alert_sessions",
        ["source_key", "created_at"],
        unique=False,
    )
    op.create_index(
        "uq_alert_sessions_source_key_live",
        "alert_sessions",
        ["source_key"],
        unique=True,
        sqlite_where=sa.text(LIVE),
        postgresql_where=sa.text(LIVE),
    )


def downgrade() -> None:
    op.drop_index("uq_alert_sessions_source_key_live", table_name="alert_sessions")
    op.drop_index("ix_alert_sessions_source_key_created_at", table_name="alert_sessions")
    with op.batch_alter_table("alert_sessions") as batch_op:
        batch_op.drop_column("resolved_at")
        batch_op.drop_column("source_key")
