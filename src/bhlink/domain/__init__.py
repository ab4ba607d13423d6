"""Pure rules and types of behavioral-health practice: no framework, no storage."""
