"""Server-key rotation: re-encrypt every stored SecretBox ciphertext from the old key to a new one.

Safe to repeat: a value the new key already opens is left alone, so a rotation interrupted
before its commit (nothing changed) or after it (everything changed) is finished by running
it again. A value neither key opens stops the rotation before anything is written.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from bhlink.domain.errors import Conflict
from bhlink.services import audit
from bhlink.services.context import Actor
from bhlink.services.crypto import SecretBox
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


def rotate(uow: UnitOfWork, old: SecretBox, new: SecretBox) -> RotationReport:
    """Re-encrypt every flagged column under `new`; audit the rotation in each integration."""
    rewritten: dict[str, int] = {}
    current: dict[str, int] = {}
    per_integration: Counter[str] = Counter()
    for column in uow.secrets.columns():
        rewritten[column.label] = current[column.label] = 0
        for stored in uow.secrets.values(column):
            if _opens(new, stored.value):
                current[column.label] += 1
                continue
            if not _opens(old, stored.value):
                # Name the row by its key only: never print a ciphertext or what it hides.
                row = "/".join(str(part) for part in stored.key)
                raise Conflict(
                    detail=f"{column.label} row {row} opens with neither key; "
                    "is the current key the one the database was written with?",
                    code="unknown_key",
                )
            uow.secrets.replace(column, stored, new.encrypt(old.decrypt(stored.value)))
            rewritten[column.label] += 1
            if stored.integration_id is not None:
                per_integration[stored.integration_id] += 1
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
