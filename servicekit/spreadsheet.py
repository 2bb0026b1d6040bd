"""Cells of the CSV exports: text a spreadsheet shows as it is and never runs as a formula."""

from __future__ import annotations

from typing import Any

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """The cell text (None empty, a list joined with ';'), with a leading apostrophe when a spreadsheet would
    run it as a formula."""
    if value is None:
        return ""
    if isinstance(value, list):
        value = ";".join(str(v) for v in value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
