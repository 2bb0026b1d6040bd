"""Pages: home."""
