"""Queries (repositories), one module per capability."""
