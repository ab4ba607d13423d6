"""Queries over providers, locations and payers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TypeVar

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from bhlink.store.queries.paging import Page, changed_after, keyset_page
from bhlink.store.tables import Location, Payer, Provider

DirectoryRecord = TypeVar("DirectoryRecord", Provider, Location, Payer)


class PracticeQueries:
    """Directory lookups, all scoped to one integration."""

    def __init__(self, session: Session) -> None:
        self._s = session

    def get(
        self, model: type[DirectoryRecord], integration_id: str, record_id: str
    ) -> DirectoryRecord | None:
        """One record of this integration, or None (ids of other integrations look absent)."""
        return self._s.scalar(
            select(model).where(model.id == record_id, model.integration_id == integration_id)
        )

    def by_reference(
        self, model: type[DirectoryRecord], integration_id: str, reference_id: str
    ) -> DirectoryRecord | None:
        """A record by the caller's referenceId."""
        return self._s.scalar(
            select(model).where(
                model.integration_id == integration_id, model.reference_id == reference_id
            )
        )

    def existing_ids(
        self, model: type[DirectoryRecord], integration_id: str, ids: Sequence[str]
    ) -> set[str]:
        """Which of `ids` exist in this integration (one query for a whole request)."""
        if not ids:
            return set()
        return set(
            self._s.scalars(
                select(model.id).where(model.integration_id == integration_id, model.id.in_(ids))
            )
        )

    def provider_by_npi(self, integration_id: str, npi: str) -> Provider | None:
        """A provider by NPI."""
        return self._s.scalar(
            select(Provider).where(Provider.integration_id == integration_id, Provider.npi == npi)
        )

    def supervisees(self, integration_id: str, supervisor_id: str) -> list[str]:
        """Ids of providers supervised by `supervisor_id`."""
        return list(
            self._s.scalars(
                select(Provider.id).where(
                    Provider.integration_id == integration_id,
                    Provider.supervisor_id == supervisor_id,
                )
            )
        )

    def page(
        self,
        model: type[DirectoryRecord],
        integration_id: str,
        *,
        updated_after: datetime | None,
        after_seq: int | None,
        limit: int,
        status: str | None = None,
    ) -> Page[DirectoryRecord]:
        """A page of directory records in change order."""
        filters: list[ColumnElement[bool]] = [model.integration_id == integration_id]
        seek: list[ColumnElement[bool]] = []
        if updated_after is not None:
            changed, start = changed_after(model, integration_id, updated_after)
            filters.append(changed)
            seek.append(start)
        if status is not None:
            filters.append(model.status == status)
        return keyset_page(self._s, model, filters, after_seq=after_seq, limit=limit, seek=seek)
