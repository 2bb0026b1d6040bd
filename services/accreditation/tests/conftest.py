"""The marketplace behind its gateway, and the steps that take a supplier to an accreditation."""

from __future__ import annotations

import pytest

from tests.accreditation_flows import Flows
from tests.conftest import stack  # noqa: F401  (the marketplace behind its gateway)


@pytest.fixture
def flows(stack) -> Flows:  # noqa: F811
    return Flows(stack)


@pytest.fixture
def stack_services() -> tuple[str, ...]:
    """Suppliers and the accreditation service that follows them."""
    return ("suppliers", "accreditation")
