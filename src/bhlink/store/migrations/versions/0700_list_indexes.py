"""Indexes for updatedAfter on patients and appointments

Revision ID: 0700
Revises: 0500
Create Date: 2026-11-23 13:10:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0700"
down_revision: str | Sequence[str] | None = "0500"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.create_index("ix_patients_updated", ["integration_id", "updated_at"], unique=False)
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_appointments_updated", ["integration_id", "updated_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.drop_index("ix_appointments_updated")
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.drop_index("ix_patients_updated")
