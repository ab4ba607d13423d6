"""The unit of work: one session, one transaction, and the repositories that speak through it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bhlink.store.bulk import BulkWriter
from bhlink.store.queries.assessments import AssessmentQueries
from bhlink.store.queries.audit import AuditQueries
from bhlink.store.queries.billing import BillingQueries
from bhlink.store.queries.chart import ChartQueries
from bhlink.store.queries.claims import ClaimQueries
from bhlink.store.queries.documents import DocumentQueries
from bhlink.store.queries.idempotency import IdempotencyQueries
from bhlink.store.queries.notes import NoteQueries
from bhlink.store.queries.outbox import OutboxQueries
from bhlink.store.queries.patients import PatientQueries
from bhlink.store.queries.plans import PlanQueries
from bhlink.store.queries.practice import PracticeQueries
from bhlink.store.queries.remittances import RemittanceQueries
from bhlink.store.queries.scheduling import AppointmentQueries
from bhlink.store.queries.secrets import SecretQueries
from bhlink.store.queries.tasks import TaskQueries
from bhlink.store.queries.tenancy import TenancyQueries
from bhlink.store.queries.webhooks import WebhookQueries
from bhlink.store.tables import Integration


class UniqueViolation(Exception):
    """A write broke a unique constraint (a concurrent create of the same natural key)."""


def is_integrity_error(exc: BaseException) -> bool:
    """Whether an exception escaping a unit of work is a constraint violation (a 409, not a 500)."""
    return isinstance(exc, (IntegrityError, UniqueViolation))


class UnitOfWork:
    """What services receive: repositories over one transaction, committed once by the caller."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.tenancy = TenancyQueries(session)
        self.practice = PracticeQueries(session)
        self.patients = PatientQueries(session)
        self.appointments = AppointmentQueries(session)
        self.assessments = AssessmentQueries(session)
        self.audit = AuditQueries(session)
        self.outbox = OutboxQueries(session)
        self.idempotency = IdempotencyQueries(session)
        self.secrets = SecretQueries(session)
        self.notes = NoteQueries(session)
        self.plans = PlanQueries(session)
        self.chart = ChartQueries(session)
        self.documents = DocumentQueries(session)
        self.tasks = TaskQueries(session)
        self.webhooks = WebhookQueries(session)
        self.billing = BillingQueries(session)
        self.claims = ClaimQueries(session)
        self.remittances = RemittanceQueries(session)
        self.bulk = BulkWriter(session)
        self._change_clock: dict[str, datetime] = {}
        self._before_commit: dict[str, Callable[[], None]] = {}

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql`."""
        return self.session.get_bind().dialect.name

    def add(self, record: Any) -> None:
        """Stage a new record."""
        self.session.add(record)

    def delete(self, record: Any) -> None:
        """Stage a deletion."""
        self.session.delete(record)

    def flush(self) -> None:
        """Send staged changes now; a unique violation becomes UniqueViolation."""
        try:
            self.session.flush()
        except IntegrityError as exc:
            raise UniqueViolation(str(exc.orig).split("\n")[0]) from exc

    def before_commit(self, name: str, hook: Callable[[], None]) -> None:
        """Run `hook` once, inside the transaction, when it next commits (keyed by `name`).

        Lets work that must be last and short, such as appending audit rows under a chain-head
        lock, wait until the end instead of holding a lock through the whole request.
        """
        self._before_commit.setdefault(name, hook)

    def commit(self) -> None:
        """Make the transaction durable (the only acknowledgement point)."""
        try:
            while self._before_commit:
                hook = self._before_commit.pop(next(iter(self._before_commit)))
                hook()
            self.session.commit()
        except IntegrityError as exc:
            self.rollback()
            raise UniqueViolation(str(exc.orig).split("\n")[0]) from exc
        except BaseException:
            self.rollback()
            raise

    def rollback(self) -> None:
        """Undo everything since the last commit (and what was waiting for it)."""
        self._before_commit.clear()
        self.audit.discard_staged()
        self.session.rollback()

    def close(self) -> None:
        """Release the connection (rolls back anything uncommitted)."""
        self._before_commit.clear()
        self.audit.discard_staged()
        self.session.close()

    def next_change(self, integration_id: str, now: datetime) -> tuple[int, datetime]:
        """Take the next change number and a timestamp for a write in this integration.

        The UPDATE locks the integration row until commit, so change numbers are handed out in
        commit order and `updatedAt` never goes backwards within a tenant, even if clocks of
        two servers disagree: this is what makes `updatedAfter` + cursor paging exact.
        """
        last = self._change_clock.get(integration_id)
        stamp = now
        # no_autoflush: pending changes are flushed by the caller's explicit flush, where a
        # unique violation can be reported against the right field.
        with self.session.no_autoflush:
            return self._bump(integration_id, stamp, last)

    def _bump(
        self, integration_id: str, stamp: datetime, last: datetime | None
    ) -> tuple[int, datetime]:
        row = self.session.execute(
            update(Integration)
            .where(Integration.id == integration_id)
            .values(change_seq=Integration.change_seq + 1)
            .returning(Integration.change_seq, Integration.last_change_at)
        ).one()
        seq, previous = int(row[0]), row[1]
        floor = max(t for t in (previous, last) if t is not None) if (previous or last) else None
        if floor is not None and stamp <= floor:
            stamp = floor + timedelta(microseconds=1)
        self.session.execute(
            update(Integration).where(Integration.id == integration_id).values(last_change_at=stamp)
        )
        self._change_clock[integration_id] = stamp
        return seq, stamp
