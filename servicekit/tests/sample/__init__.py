"""A small service built on the toolkit, for the toolkit's own tests: notes with history and events."""
