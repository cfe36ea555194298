"""Findings as values: what is wrong (or worth saying), where, for instrument validation and imports alike."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")

ERROR = "error"
WARNING = "warning"
NOTE = "note"

# A CSV column title longer than this is shortened in messages (survey tools put the whole
# question text in the header, and a file read in the wrong layout may put a rater's comment there).
MAX_TITLE = 40


# A list of problems printed for people stops here: past a hundred, more lines help nobody (a CSV
# with a million extra columns would otherwise print a million).
MAX_SHOWN = 100


def capped(
    items: Sequence[T], limit: int = MAX_SHOWN, what: str = "problem"
) -> tuple[Sequence[T], str | None]:
    """The first ``limit`` of ``items``, and the line that counts the rest ("... and 12 more problems"),
    None when every item is shown. Every list of problems printed for people goes through here."""
    if len(items) <= limit:
        return items, None
    more = len(items) - limit
    return items[:limit], f"... and {more} more {what if more == 1 else what + 's'}"


def shorten(text: str, limit: int = MAX_TITLE) -> str:
    """``text`` on one line, cut to ``limit`` characters with "..." when longer."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3].rstrip() + "..."


@dataclass(frozen=True, order=True, slots=True)  # one per row an import keeps: no __dict__ each
class Location:
    """Where something is: a file and, in it, a 1-based line and column (0: not known), or a part.

    ``part`` names a record that has no line of its own, such as "response 3"
    of a JSON export. Printed as ``path:line:column`` (``path: part``).
    """

    path: str
    line: int = 0  # 0: the file as a whole
    column: int = 0  # a character column; 0 when not known
    part: str = ""

    def __str__(self) -> str:
        where = self.path
        if self.line:
            where += f":{self.line}"
            if self.column:
                where += f":{self.column}"
        return f"{where}: {self.part}" if self.part else where

    def within(self, part: str) -> Location:
        """A part of this place: "leader 2" of a file, "leader 2, assessment 1" of that."""
        return Location(self.path, self.line, self.column, f"{self.part}, {part}" if self.part else part)


@dataclass(frozen=True, order=True)
class Problem:
    """One finding: where it is, how bad, which rule (``code``), and what to do about it.

    Messages name files, lines, columns and ids, never what a rater answered
    or wrote. Problems sort by place: file, line, column, then (in a CSV
    file) left to right by ``csv_index``.
    """

    location: Location
    csv_index: int = field(default=0, kw_only=True)  # 1-based CSV column number; 0 when none
    csv_column: str = field(default="", kw_only=True)  # the CSV column, as titled in the file
    level: str
    code: str
    message: str

    @property
    def path(self) -> str:
        return self.location.path

    @property
    def line(self) -> int:
        return self.location.line

    @property
    def column(self) -> int:
        return self.location.column

    def as_dict(self) -> dict[str, Any]:
        """The problem for JSON output."""
        found: dict[str, Any] = {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "level": self.level,
            "code": self.code,
            "message": self.message,
        }
        if self.location.part:
            found["part"] = self.location.part
        if self.csv_column:
            found["csv_column"] = self.csv_column
        return found

    def __str__(self) -> str:
        """For people: ``file:14: column "Q3": message``; the level is said unless it is an error."""
        level = "" if self.level == ERROR else f"{self.level}: "
        column = f'column "{shorten(self.csv_column)}": ' if self.csv_column else ""
        return f"{self.location}: {level}{column}{self.message}"

    def with_code(self) -> str:
        """For editors and grep: ``file:3:5: error: message [code]``, the level always said."""
        column = f'column "{shorten(self.csv_column)}": ' if self.csv_column else ""
        return f"{self.location}: {self.level}: {column}{self.message} [{self.code}]"


# The code of a file problem (an import, a plan file) no more particular code was given for.
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
