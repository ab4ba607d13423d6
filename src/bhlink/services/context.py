"""Who is acting: the authenticated principal every service call receives."""

from __future__ import annotations

from dataclasses import dataclass, field

from bhlink.domain.roles import Entitlement, Role


@dataclass(frozen=True)
class Actor:
    """The caller of a use case, with everything access decisions need.

    `caseload_provider_ids` is None when the actor sees every patient of the integration,
    otherwise the providers whose caseloads they see (their own, plus supervisees').
    """

    integration_id: str
    actor_type: str  # user | client | system
    actor_id: str
    name: str
    roles: frozenset[Role] = frozenset()
    entitlements: frozenset[Entitlement] = frozenset()
    provider_id: str | None = None
    caseload_provider_ids: tuple[str, ...] | None = None
    session_id: str | None = None
    client_id: str | None = None
    source_ip: str | None = None
    request_id: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def system(cls, integration_id: str, name: str = "bhlink system") -> Actor:
        """The actor for command-line and background work (full access, audited as system)."""
        return cls(
            integration_id=integration_id,
            actor_type="system",
            actor_id="system",
            name=name,
            roles=frozenset({Role.ADMIN}),
            entitlements=frozenset(Entitlement),
        )

    @property
    def is_admin(self) -> bool:
        """Whether the actor holds the admin role."""
        return Role.ADMIN in self.roles

    @property
    def read_only(self) -> bool:
        """Readonly users never write, whatever their entitlements."""
        return self.roles == frozenset({Role.READONLY})
