"""Printing a TableView so it fits the console: the least needed columns give way first, then cells wrap."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from leadcheck.overview import TableView

GAP = 2  # columns between two columns
WRAP_MIN = 24  # a wrapping column (names, lists) keeps at least this much before columns are dropped


def _longest_word(texts: Sequence[str]) -> int:
    from rich.cells import cell_len

    return max((cell_len(w) for t in texts for w in t.split()), default=0)


def column_widths(view: TableView, whole_headers: bool = False, squeeze: bool = False) -> list[int]:
    """Each column's width: its widest cell, or its header's longest word (headers wrap at spaces).

    With ``whole_headers``, each header on one line. A wrapping column counts
    at most WRAP_MIN, since its cells may wrap; ``squeeze``d, only its
    longest word.
    """
    from rich.cells import cell_len

    widths: list[int] = []
    for i, column in enumerate(view.columns):
        texts = [row[i] for row in view.rows]
        cells = max((cell_len(t) for t in texts), default=0)
        words = [column.header] if whole_headers else column.header.split()
        header = max((cell_len(w) for w in words), default=0)
        if column.wrap:
            cells = _longest_word(texts) if squeeze else min(cells, max(WRAP_MIN, header))
        widths.append(max(cells, header, 1))
    return widths


def table_width(widths: Sequence[int]) -> int:
    return sum(widths) + GAP * (len(widths) - 1)


def fit(view: TableView, width: int) -> tuple[TableView, list[str]]:
    """``view`` without the columns that keep it from fitting ``width``, and the headers left out.

    Columns go in their ``drop_order``; those without one always stay (their
    wrapping cells wrap when even they do not fit).
    """
    droppable = sorted((c.drop_order, i) for i, c in enumerate(view.columns) if c.drop_order is not None)
    dropped: set[int] = set()
    current = view
    while table_width(column_widths(current)) > width and droppable:
        dropped.add(droppable.pop(0)[1])
        current = view.without(dropped)
    return current, [view.columns[i].header for i in sorted(dropped)]


def _rich_table(view: TableView, width: int) -> Any:
    """The rich table: columns at their widths (whole headers when they fit), only wrapping columns giving way."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, GAP - 1, 0, 0),  # with the box's one-space column divider: GAP between columns
    )
    whole = column_widths(view, whole_headers=True)
    widths = whole if table_width(whole) <= width else column_widths(view)
    for column, width in zip(view.columns, widths, strict=True):
        table.add_column(
            Text(column.header),
            justify="right" if column.right else "left",
            overflow="fold",
            # Fixed widths never shrink: only the wrapping columns give way on a narrow terminal.
            width=None if column.wrap else width,
            min_width=_longest_word([row[len(table.columns)] for row in view.rows]) if column.wrap else None,
        )
    for row in view.rows:
        table.add_row(*(Text(cell) for cell in row))  # Text: names are data, never markup
    return table


def _print_blocks(out: Any, view: TableView) -> None:
    """Each row as its first cell, then "header cell" pairs on wrapped lines: for very narrow terminals."""
    from rich.padding import Padding
    from rich.text import Text

    if view.title:
        out.print(Text(view.title, style="bold"))
    for row in view.rows:
        out.print(Text(row[0], style="bold"))
        pairs = [f"{c.header} {cell}" for c, cell in zip(view.columns[1:], row[1:], strict=True) if cell]
        out.print(Padding(Text(" · ".join(pairs)), (0, 0, 0, 2)))


def print_table(out: Any, view: TableView) -> None:
    """Print ``view`` within the console's width, saying which columns were left out, then its notes."""
    import dataclasses

    from rich.text import Text

    from leadcheck.cli._common import printable

    # Names and titles come from files and the workspace: escaped before anything measures them.
    view = dataclasses.replace(
        view,
        title=printable(view.title, one_line=True),
        rows=tuple(tuple(printable(cell, one_line=True) for cell in row) for row in view.rows),
        notes=tuple(printable(note) for note in view.notes),
    )
    shown, dropped = fit(view, out.width)
    if table_width(column_widths(shown, squeeze=True)) <= out.width:
        if view.title:
            out.print(Text(view.title, style="bold"))
        out.print(_rich_table(shown, out.width))
    else:
        _print_blocks(
            out, view
        )  # narrower than the columns that always stay: one block per row, every column
        dropped = []
    notes = list(view.notes)
    if dropped:
        notes.append(
            f"Not shown at this width: {', '.join(dropped)} (widen the terminal, or use --format json)."
        )
    for note in notes:
        out.print(Text(note, style="dim"))
