"""Collecting what an import finds wrong (or worth saying) in one file, as leadcheck.problems.Problem values."""

from __future__ import annotations

from leadcheck.problems import ERROR, NOTE, WARNING, Location, Problem, shorten

__all__ = ["ERROR", "IMPORT", "NOTE", "WARNING", "Problems", "shorten"]

# The code of an import problem no more particular code was given for.
IMPORT = "import"


class Problems:
    """Collects the findings of one file."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.found: list[Problem] = []

    def error(
        self,
        message: str,
        row: int = 0,
        column: str = "",
        position: int = 0,
        index: int = 0,
        code: str = IMPORT,
    ) -> None:
        self.add(message, ERROR, row, column, position, index, code)

    def warning(
        self,
        message: str,
        row: int = 0,
        column: str = "",
        position: int = 0,
        index: int = 0,
        code: str = IMPORT,
    ) -> None:
        self.add(message, WARNING, row, column, position, index, code)

    def note(self, message: str, row: int = 0, code: str = IMPORT) -> None:
        self.add(message, NOTE, row, code=code)

    def add(
        self,
        message: str,
        level: str,
        row: int = 0,
        column: str = "",
        position: int = 0,
        index: int = 0,
        code: str = IMPORT,
    ) -> None:
        """A finding at line ``row`` (character ``position``) of the file, in CSV column ``column``."""
        self.found.append(
            Problem(
                Location(self.source, row, position),
                level,
                code,
                message,
                csv_index=index,
                csv_column=column,
            )
        )

    @property
    def has_errors(self) -> bool:
        return any(p.level == ERROR for p in self.found)
