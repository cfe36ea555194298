"""View primitives every view model is built from: table cells and tables of printed strings.

The leader's report (``report/viewmodel.py``) and the cohort summary
(``cohort/summary.py``) both place their tables with these; the templates only loop
over them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cell:
    """A table cell: its text and an optional CSS class (e.g. for a gap's sign)."""

    text: str
    css: str = ""


@dataclass(frozen=True)
class Table:
    """A table with a caption, header cells and rows of cells."""

    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
