"""FHIR R4 mapping (pure)."""
