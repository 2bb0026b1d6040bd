import pytest


@pytest.fixture
def stack_services() -> tuple[str, ...]:
    """The suppliers service alone; it consumes nothing."""
    return ("suppliers",)
