"""Alembic migrations (script location of the store)."""
