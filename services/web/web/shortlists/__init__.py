"""Pages: shortlists."""
