"""CSV cells: what a spreadsheet would run as a formula is quoted; the rest passes as it is."""

from servicekit.spreadsheet import safe_cell


def test_cells_a_spreadsheet_would_run_are_quoted():
    assert [safe_cell(v) for v in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "plain", None, ["a", "b"], 3]] == [
        "'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\tx", "plain", "", "a;b", "3"]
