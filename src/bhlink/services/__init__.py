"""Use cases: each owns its unit of work, audit events and outbox events."""
