"""Pages: suppliers."""
