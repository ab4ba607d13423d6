"""Declarative base, naming conventions and the columns every tenant-owned record shares."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from bhlink.store.types import UTCDateTime

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID = String(40)
# SQLite only gives AUTOINCREMENT-like rowids to INTEGER PRIMARY KEY; BigInteger elsewhere.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")


# Column `info` of every column holding SecretBox ciphertext (services/crypto.py): key rotation
# re-encrypts exactly these. Use it on any new encrypted column: `mapped_column(..., info=SECRETBOX)`.
SECRETBOX = {"secretbox": True}


def secretbox_in_json(*keys: str) -> dict[str, object]:
    """Column `info` of a JSON document whose values under these keys (at any depth) are ciphertext."""
    return {"secretbox_json_keys": tuple(keys)}


class Base(DeclarativeBase):
    """All tables."""

    metadata = MetaData(naming_convention=NAMING)


class TenantRecord:
    """Columns of a record owned by one integration and visible to incremental sync.

    `change_seq` comes from the integration's change counter, taken under a row lock in the
    same transaction as the write, so it grows in commit order: paging by it never skips a
    record committed late (see store/queries/changes.py).
    """

    id: Mapped[str] = mapped_column(ID, primary_key=True)

    @declared_attr
    def integration_id(cls) -> Mapped[str]:  # noqa: N805
        return mapped_column(ID, ForeignKey("integrations.id"), nullable=False)

    reference_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    change_seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
