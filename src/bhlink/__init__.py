"""bhlink: one normalized REST API over behavioral-health practice systems."""

__version__ = "0.1.0"
