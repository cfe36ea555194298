"""What an import found wrong (or worth saying) in its files, as sortable values."""

from __future__ import annotations

from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"
NOTE = "note"

# A column title longer than this is shortened in messages (survey tools put
# the whole question text in the header, and a file read in the wrong layout
# may put a rater's comment there).
MAX_TITLE = 40


def shorten(text: str, limit: int = MAX_TITLE) -> str:
    """``text`` on one line, cut to ``limit`` characters with "..." when longer."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3].rstrip() + "..."


@dataclass(frozen=True, order=True)
class ImportProblem:
    """One finding in one file: where it is, how bad, and what to do about it.

    Messages name files, lines, columns and ids, never what a rater answered
    or wrote; only a range or label error quotes the offending cell.
    """

    source: str  # the file as named on the command line
    row: int = 0  # 1-based line (of a CSV record: where it starts); 0 for the whole file
    position: int = 0  # 1-based character column in a response file; 0 when unknown
    column_index: int = 0  # 1-based CSV column number: problems in a row sort left to right
    column: str = ""  # the CSV column the problem is in, as titled in the file
    message: str = ""
    level: str = ERROR

    def __str__(self) -> str:
        where = self.source
        if self.row:
            where += f":{self.row}"
            if self.position:
                where += f":{self.position}"
        level = "" if self.level == ERROR else f"{self.level}: "
        column = f'column "{shorten(self.column)}": ' if self.column else ""
        return f"{where}: {level}{column}{self.message}"


class Problems:
    """Collects the findings of one file."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.found: list[ImportProblem] = []

    def error(self, message: str, row: int = 0, column: str = "", position: int = 0, index: int = 0) -> None:
        self.add(message, ERROR, row, column, position, index)

    def warning(
        self, message: str, row: int = 0, column: str = "", position: int = 0, index: int = 0
    ) -> None:
        self.add(message, WARNING, row, column, position, index)

    def note(self, message: str, row: int = 0) -> None:
        self.add(message, NOTE, row)

    def add(
        self, message: str, level: str, row: int = 0, column: str = "", position: int = 0, index: int = 0
    ) -> None:
        self.found.append(
            ImportProblem(
                self.source,
                row=row,
                position=position,
                column_index=index,
                column=column,
                message=message,
                level=level,
            )
        )

    @property
    def has_errors(self) -> bool:
        return any(p.level == ERROR for p in self.found)
