"""Server-rendered pages (patient forms)."""
