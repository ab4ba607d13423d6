"""X12 EDI library (pure)."""
