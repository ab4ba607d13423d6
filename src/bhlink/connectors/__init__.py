"""Adapters to vendor systems and the sync engine."""
