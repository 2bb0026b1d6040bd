import pytest


@pytest.fixture
def stack_services() -> tuple[str, ...]:
    """Suppliers and the catalogue make offerings, the hub registers use cases; the assistant follows them."""
    return ("suppliers", "catalogue", "hub", "assistant")
