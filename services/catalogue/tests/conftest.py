from tests.conftest import stack  # noqa: F401  (the marketplace behind its gateway)
