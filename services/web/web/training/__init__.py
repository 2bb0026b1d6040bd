"""Pages: training."""
