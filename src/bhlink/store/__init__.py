"""Storage: SQLAlchemy tables, queries and Alembic migrations; the only layer that speaks SQL."""
