"""Pages: auth."""
