"""SQLite: GET work reads without the write lock, writers queue, and no audit row is ever lost."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bhlink.services import audit, tenancy
from bhlink.services.context import Actor
from bhlink.store import migrate
from bhlink.store.db import Database

# A liveness guard for threads, not a timing assertion: far above any normal wait.
DEADLOCK_GUARD = 30


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[tuple[Database, str]]:
    db = Database(f"sqlite:///{tmp_path / 'tx.db'}")
    migrate.upgrade(db)
    with db.unit_of_work() as uow:
        integration = tenancy.create_integration(uow, name="tx", require_mfa=False)
        uow.commit()
    yield db, integration.id
    db.dispose()


def _audit_rows(db: Database, integration_id: str) -> int:
    with db.unit_of_work() as uow:
        result = audit.verify(uow, integration_id)
    assert result.ok, result.breaks
    return result.rows_checked


def test_a_reader_whose_snapshot_went_stale_still_appends_its_audit_row(
    sqlite_db: tuple[Database, str],
) -> None:
    db, integration_id = sqlite_db
    actor = Actor.system(integration_id)
    before = _audit_rows(db, integration_id)
    reader = db.begin(read_first=True)
    assert reader.tenancy.integration(integration_id) is not None  # the snapshot starts here
    with db.unit_of_work() as writer:
        audit.record(writer, actor, "test.write")
        writer.commit()
    # A plain upgrade of the stale read transaction would fail with SQLITE_BUSY_SNAPSHOT.
    audit.record(reader, actor, "test.read")
    reader.commit()
    reader.close()
    assert _audit_rows(db, integration_id) == before + 2


def test_readers_read_while_a_writer_holds_the_lock(sqlite_db: tuple[Database, str]) -> None:
    db, integration_id = sqlite_db
    writer = db.begin()
    writer.tenancy.integration(integration_id)  # BEGIN IMMEDIATE: the writer holds the lock
    seen: list[bool] = []

    def read() -> None:
        reader = db.begin(read_first=True)
        seen.append(reader.tenancy.integration(integration_id) is not None)
        reader.close()

    thread = threading.Thread(target=read)
    thread.start()
    thread.join(DEADLOCK_GUARD)
    assert seen == [True]
    writer.rollback()
    writer.close()


def test_concurrent_readers_and_writers_lose_no_audit_row(
    sqlite_db: tuple[Database, str],
) -> None:
    db, integration_id = sqlite_db
    actor = Actor.system(integration_id)
    before = _audit_rows(db, integration_id)
    failures: list[BaseException] = []

    def work(index: int) -> None:
        try:
            for step in range(15):
                uow = db.begin(read_first=(index + step) % 2 == 0)
                try:
                    uow.tenancy.integration(integration_id)
                    audit.record(uow, actor, "test.mixed", detail={"i": index, "s": step})
                    uow.commit()
                finally:
                    uow.close()
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(DEADLOCK_GUARD)
    assert not failures
    assert _audit_rows(db, integration_id) == before + 8 * 15


@pytest.mark.parametrize("ending", ["rollback", "close", "commit"])
def test_the_write_lock_passes_on_however_a_writer_ends(
    sqlite_db: tuple[Database, str], ending: str
) -> None:
    db, integration_id = sqlite_db
    first = db.begin()
    first.tenancy.integration(integration_id)  # a writer holds the lock from its first query
    getattr(first, ending)()
    if ending != "close":
        first.close()
    done: list[bool] = []

    def write() -> None:
        with db.unit_of_work() as second:
            audit.record(second, Actor.system(integration_id), "test.after")
            second.commit()
            done.append(True)

    thread = threading.Thread(target=write)
    thread.start()
    thread.join(DEADLOCK_GUARD)
    assert done == [True]


def test_staged_audit_rows_of_a_rolled_back_transaction_are_dropped(
    sqlite_db: tuple[Database, str],
) -> None:
    db, integration_id = sqlite_db
    before = _audit_rows(db, integration_id)
    with db.unit_of_work() as uow:
        audit.record(uow, Actor.system(integration_id), "test.undone")
        uow.rollback()
        audit.record(uow, Actor.system(integration_id), "test.kept")
        uow.commit()
    assert _audit_rows(db, integration_id) == before + 1
