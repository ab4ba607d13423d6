"""Server-key rotation: re-encrypt every stored SecretBox ciphertext from the old key to a new one.

Safe to repeat: a value the new key already opens is left alone, so a rotation interrupted
before its commit (nothing changed) or after it (everything changed) is finished by running
it again. A value neither key opens stops the rotation before anything is written.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import partial

from bhlink.domain.errors import Conflict
from bhlink.services import audit
from bhlink.services.context import Actor
from bhlink.services.crypto import SecretBox
from bhlink.store.queries.secrets import EncryptedColumn, StoredCiphertext, map_ciphertexts
from bhlink.store.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class RotationReport:
    """How many values each encrypted column had re-encrypted or found already current."""

    rewritten: dict[str, int] = field(default_factory=dict)
    already_current: dict[str, int] = field(default_factory=dict)

    @property
    def total_rewritten(self) -> int:
        """Values re-encrypted in all columns."""
        return sum(self.rewritten.values())


class _Rotation:
    """Re-encrypts one stored value at a time and keeps the counts."""

    def __init__(self, old: SecretBox, new: SecretBox) -> None:
        self.old, self.new = old, new
        self.rewritten = 0
        self.current = 0

    def value(self, column: EncryptedColumn, stored: StoredCiphertext, ciphertext: str) -> str:
        if _opens(self.new, ciphertext):
            self.current += 1
            return ciphertext
        if not _opens(self.old, ciphertext):
            # Name the row by its key only: never print a ciphertext or what it hides.
            row = "/".join(str(part) for part in stored.key)
            raise Conflict(
                detail=f"{column.label} row {row} opens with neither key; "
                "is the current key the one the database was written with?",
                code="unknown_key",
            )
        self.rewritten += 1
        stored.changed = True
        return self.new.encrypt(self.old.decrypt(ciphertext))


def rotate(uow: UnitOfWork, old: SecretBox, new: SecretBox) -> RotationReport:
    """Re-encrypt every flagged column under `new`; audit the rotation in each integration."""
    rewritten: dict[str, int] = {}
    current: dict[str, int] = {}
    per_integration: Counter[str] = Counter()
    for column in uow.secrets.columns():
        rotation = _Rotation(old, new)
        for stored in uow.secrets.values(column):
            before = rotation.rewritten
            updated, _ = map_ciphertexts(
                column, stored.value, partial(rotation.value, column, stored)
            )
            if stored.changed:
                uow.secrets.replace(column, stored, updated)
                if stored.integration_id is not None:
                    per_integration[stored.integration_id] += rotation.rewritten - before
        rewritten[column.label] = rotation.rewritten
        current[column.label] = rotation.current
    for integration in uow.tenancy.integrations():
        audit.record(
            uow,
            Actor.system(integration.id),
            "security.key_rotated",
            resource_type="integration",
            resource_id=integration.id,
            detail={"reencrypted": per_integration[integration.id]},
        )
    return RotationReport(rewritten=rewritten, already_current=current)


def _opens(box: SecretBox, ciphertext: str) -> bool:
    try:
        box.decrypt(ciphertext)
    except ValueError:
        return False
    return True
