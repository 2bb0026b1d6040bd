"""Pages: offerings."""
