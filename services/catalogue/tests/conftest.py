import pytest

from tests.conftest import stack  # noqa: F401  (the marketplace behind its gateway)


@pytest.fixture
def stack_services() -> tuple[str, ...]:
    """Suppliers and the catalogue that follows them."""
    return ("suppliers", "catalogue")
