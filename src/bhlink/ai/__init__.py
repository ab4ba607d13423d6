"""Assistive AI workflows with clinician review."""
