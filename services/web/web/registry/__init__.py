"""Pages: registry."""
