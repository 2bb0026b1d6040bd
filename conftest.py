"""The shared fixtures live in testsupport.fixtures; settings default to production, and the tests run the
development setup (its secrets and clients) on purpose."""

import os

os.environ.setdefault("ENVIRONMENT", "development")

pytest_plugins = ["testsupport.fixtures"]
