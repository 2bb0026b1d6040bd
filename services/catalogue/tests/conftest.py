import pytest


@pytest.fixture
def stack_services() -> tuple[str, ...]:
    """Suppliers, the catalogue that follows them, and the assurance service its publications need."""
    return ("suppliers", "catalogue", "assurance")
