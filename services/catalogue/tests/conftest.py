import pytest


@pytest.fixture
def stack_services() -> tuple[str, ...]:
    """Suppliers and the catalogue that follows them."""
    return ("suppliers", "catalogue")
