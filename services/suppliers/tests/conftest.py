import pytest

from tests.conftest import stack  # noqa: F401  (the marketplace behind its gateway)


@pytest.fixture
def stack_services() -> tuple[str, ...]:
    """The suppliers service alone; it consumes nothing."""
    return ("suppliers",)
