
import pytest


@pytest.fixture
def stack_services() -> tuple[str, ...]:
    """The catalogue and suppliers make offerings; the partners service delivers them."""
    return ("suppliers", "catalogue", "assurance", "partners")
