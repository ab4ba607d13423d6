"""Queries over integrations, API clients, users and login sessions."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bhlink.store.tables import ApiClient, AuthSession, Integration, User


class TenancyQueries:
    """Lookups for authentication and administration."""

    def __init__(self, session: Session) -> None:
        self._s = session

    def integration(self, integration_id: str) -> Integration | None:
        """The integration, or None."""
        return self._s.get(Integration, integration_id)

    def integrations(self) -> list[Integration]:
        """All integrations, oldest first."""
        return list(self._s.scalars(select(Integration).order_by(Integration.created_at)))

    def count_integrations(self) -> int:
        """How many integrations exist."""
        return int(self._s.scalar(select(func.count()).select_from(Integration)) or 0)

    def client(self, client_id: str) -> ApiClient | None:
        """An API client by id."""
        return self._s.get(ApiClient, client_id)

    def user(self, user_id: str) -> User | None:
        """A user by id."""
        return self._s.get(User, user_id)

    def user_by_username(self, integration_id: str, username: str) -> User | None:
        """A user by login name within one integration."""
        return self._s.scalar(
            select(User).where(User.integration_id == integration_id, User.username == username)
        )

    def users(self, integration_id: str) -> list[User]:
        """Every user of an integration."""
        return list(
            self._s.scalars(
                select(User).where(User.integration_id == integration_id).order_by(User.username)
            )
        )

    def session_by_token_hash(self, token_hash: str) -> tuple[AuthSession, User] | None:
        """The login session holding this token and its user (one query)."""
        row = self._s.execute(
            select(AuthSession, User)
            .join(User, User.id == AuthSession.user_id)
            .where(AuthSession.token_hash == token_hash)
        ).first()
        return (row[0], row[1]) if row else None

    def auth_session(self, session_id: str) -> AuthSession | None:
        """A login session by id."""
        return self._s.get(AuthSession, session_id)

    def lock_user(self, user_id: str) -> User | None:
        """The user row, locked for update (login counters must not race)."""
        return self._s.scalar(select(User).where(User.id == user_id).with_for_update())
