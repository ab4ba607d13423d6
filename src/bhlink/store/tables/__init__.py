"""Table definitions, one module per capability."""
