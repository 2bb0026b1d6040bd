"""The marketplace behind its gateway, and the steps that take a supplier to an accreditation."""

from __future__ import annotations

import pytest

from testsupport.accreditation_flows import Flows


@pytest.fixture
def flows(stack) -> Flows:
    return Flows(stack)


@pytest.fixture
def stack_services() -> tuple[str, ...]:
    """Suppliers and the accreditation service that follows them."""
    return ("suppliers", "accreditation")
