from tests.conftest import stack  # noqa: F401  (the marketplace behind its gateway)

import pytest


@pytest.fixture
def stack_services() -> tuple[str, ...]:
    """The catalogue and suppliers make offerings; the partners service delivers them."""
    return ("suppliers", "catalogue", "partners")
