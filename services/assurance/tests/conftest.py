"""The marketplace behind its gateway with what assessments need: suppliers, the catalogue (whose offering
events tell the assurance service whose offering is whose) and the assurance service."""

from __future__ import annotations

import pytest


@pytest.fixture
def stack_services() -> tuple[str, ...]:
    return ("suppliers", "catalogue", "assurance")
