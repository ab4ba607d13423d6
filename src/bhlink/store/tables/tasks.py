"""Work-queue tasks (unsigned notes, plan reviews, co-signatures, risk flags ...)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from bhlink.store.tables.base import ID, Base, TenantRecord
from bhlink.store.types import JSONDoc, UTCDateTime


class Task(TenantRecord, Base):
    """A to-do for a provider (or a user); unique per (type, reference) so generators are idempotent."""

    __tablename__ = "tasks"

    task_type: Mapped[str] = mapped_column(String(40), nullable=False)
    reference: Mapped[str] = mapped_column(String(200), nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="open")
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    patient_id: Mapped[str | None] = mapped_column(ID, ForeignKey("patients.id"))
    assignee_provider_id: Mapped[str | None] = mapped_column(ID, ForeignKey("providers.id"))
    assignee_user_id: Mapped[str | None] = mapped_column(String(64))
    resource_type: Mapped[str | None] = mapped_column(String(40))
    resource_id: Mapped[str | None] = mapped_column(String(64))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by: Mapped[str | None] = mapped_column(String(64))
    completion_note: Mapped[str | None] = mapped_column(String(500))


Index("ix_tasks_sync", Task.integration_id, Task.change_seq)
Index("uq_tasks_type_reference", Task.integration_id, Task.task_type, Task.reference, unique=True)
Index("ix_tasks_assignee", Task.integration_id, Task.assignee_provider_id, Task.status)
