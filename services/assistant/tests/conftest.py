import pytest


@pytest.fixture
def stack_services() -> tuple[str, ...]:
    """Suppliers and the catalogue make offerings (assessed by the assurance service before they are published),
    the hub registers use cases; the assistant follows them."""
    return ("suppliers", "catalogue", "assurance", "hub", "assistant")
