"""Reading CSV files as survey tools and spreadsheets write them: bounded, decoded, with line numbers."""

from __future__ import annotations

import codecs
import csv
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from leadcheck.base.errors import ImportProblemError
from leadcheck.base.infiles import check_regular
from leadcheck.base.problems import Problems

MAX_FILE_BYTES = 50 * 1024 * 1024
DELIMITERS = (",", ";", "\t")
CHUNK = 1024 * 1024  # bytes read at a time when a file is checked from disk


@dataclass(frozen=True)
class Record:
    """One CSV record: the line it starts on and its cells."""

    line: int
    cells: list[str]

    @property
    def blank(self) -> bool:
        return not any(c.strip() for c in self.cells)


# Records a table keeps in memory: enough for every layout's header rows and its detection.
HEAD_RECORDS = 8


@dataclass
class Table:
    """The records of a CSV file, blank records dropped: read again from the text or file when walked.

    Only the first HEAD_RECORDS are kept as ``head``; ``rows()`` parses the
    text (or, for a UTF-8 file, the file on disk: ``path``) once more, one
    record at a time, so a table of 100,000 rows never holds 100,000 lists of
    cells, nor (read from disk) the text of the file. ``parse`` has checked
    the whole text, so walking it raises nothing, unless the file changed on
    disk in between (ImportProblemError).
    """

    text: str = ""
    encoding: str = "utf-8"
    delimiter: str = ","
    head: list[Record] = field(default_factory=list)
    count: int = 0  # records, blank ones left out
    path: Path | None = None  # the UTF-8 file the records are read from, when not from ``text``
    stamp: tuple[int, int] = (0, 0)  # the file's size and modification time when it was checked

    def rows(self, start: int = 0) -> Iterator[Record]:
        """The records from the ``start``-th on (0: the first), one at a time."""
        seen = 0
        lines = _text_lines(self.text) if self.path is None else _file_lines(self.path, self.stamp)
        try:
            for record in _records(lines, self.delimiter):
                if record.blank:
                    continue
                if seen >= start:
                    yield record
                seen += 1
        except csv.Error as e:
            if self.path is None:
                raise
            raise _changed(self.path) from e  # it was valid CSV when it was checked
        # Read to the end: exactly the records counted when the file was checked, or it changed
        # (truncated, or replaced by another of the same size and time) and nothing may be kept.
        if self.path is not None and (seen != self.count or _stamp(self.path) != self.stamp):
            raise _changed(self.path)

    @property
    def records(self) -> list[Record]:
        """Every record at once, for small files (a roster); importers walk ``rows()``."""
        return list(self.rows())


# A line and its end, as io.StringIO(text, newline="") gives them (\r\n, \r or \n), for csv.
_LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+")


def _text_lines(text: str) -> Iterator[str]:
    """The lines of ``text`` one at a time: a StringIO would copy the whole text, at four bytes a
    character, for as long as the table is read."""
    return (m.group() for m in _LINE.finditer(text))


def _stamp(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def _changed(path: Path) -> ImportProblemError:
    return ImportProblemError(f"{path}: the file changed while it was read; import it again")


def _file_lines(path: Path, stamp: tuple[int, int]) -> Iterator[str]:
    """The lines of a UTF-8 file (its BOM left out), one at a time, as ``_text_lines`` gives a text's."""
    if _stamp(path) != stamp:
        raise _changed(path)
    # newline="": lines end at \r\n, \r or \n and keep their ends, as csv wants them.
    with path.open(encoding="utf-8-sig", newline="") as f:
        try:
            yield from f
        except UnicodeDecodeError as e:
            raise _changed(path) from e


def _records(lines: Iterable[str], delimiter: str) -> Iterator[Record]:
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    previous = 0
    for cells in reader:
        yield Record(previous + 1, cells)
        previous = reader.line_num


def read_head(path: Path, size: int = 65536) -> bytes:
    """The first ``size`` bytes of the file: enough to tell JSON from CSV."""
    check_regular(path, "file to import")
    with path.open("rb") as f:
        return f.read(size)


def read_bytes(path: Path, problems: Problems, limit: int = MAX_FILE_BYTES) -> bytes | None:
    """The file's bytes, or None (with a problem) when it is too large or empty."""
    with path.open("rb") as f:
        # read(limit + 1) would set aside the whole limit at once, however small the file.
        small = os.fstat(f.fileno()).st_size <= limit
        data = f.read() if small else f.read(limit + 1)
    if len(data) > limit:
        problems.error(
            f"file is larger than {limit // (1024 * 1024)} MiB; split it into smaller files",
            code="file-too-large",
        )
        return None
    if not data.strip():
        problems.error("file is empty; expected a header row and one row per rater", code="empty-file")
        return None
    return data


def decode(data: bytes, problems: Problems) -> tuple[str, str] | None:
    """(text, encoding): UTF-8 (a BOM allowed), UTF-16 with a BOM, else Windows-1252 with a note."""
    if data.startswith(b"PK\x03\x04"):
        problems.error(
            "this is a spreadsheet workbook (.xlsx), not CSV; save or download it as "
            '"CSV UTF-8" and import that',
            code="spreadsheet-workbook",
        )
        return None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            problems.error("file starts like UTF-16 text but is not; save it as CSV UTF-8", code="not-utf16")
            return None
        return (text, "utf-16") if _no_nul(text, problems) else None
    if b"\x00" in data[:8192]:
        problems.error("file looks binary (it holds NUL bytes); expected CSV text", code="binary-file")
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        utf8_error = e
    else:
        return (text, "utf-8") if _no_nul(text, problems) else None
    mixed = _UTF8_SEQUENCE.search(data)
    if mixed is not None:
        # Rows pasted together from two sources: reading it all as Windows-1252 would turn
        # every UTF-8 "José" into "JosÃ©", a second leader; reading it as UTF-8 cannot be done.
        utf8_line = data[: mixed.start()].count(b"\n") + 1
        other_line = data[: utf8_error.start].count(b"\n") + 1
        problems.error(
            f"mixes UTF-8 text (line {utf8_line}) with another encoding (line {other_line}); "
            'open it in a spreadsheet or editor and save it as "CSV UTF-8"',
            row=other_line,
            code="mixed-encodings",
        )
        return None
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as e:
        line = data[: utf8_error.start].count(b"\n") + 1
        problems.error(
            f"byte 0x{data[e.start]:02x} is neither UTF-8 nor Windows-1252 text; save the file as CSV UTF-8",
            row=line,
            code="unknown-encoding",
        )
        return None
    line = data[: utf8_error.start].count(b"\n") + 1
    problems.note(
        f"not UTF-8 (first at line {line}); read as Windows-1252, as older Excel versions save CSV. "
        'Check that accented letters look right, or save as "CSV UTF-8" next time',
        code="not-utf8",
    )
    return (text, "cp1252") if _no_nul(text, problems) else None


# A UTF-8 encoded non-ASCII character; Windows-1252 text almost never holds one by chance.
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _no_nul(text: str, problems: Problems) -> bool:
    """False (with a problem naming the line) when ``text`` holds a NUL character anywhere."""
    at = text.find("\x00")
    if at < 0:
        return True
    problems.error(
        "holds a NUL character (a zero byte), which no spreadsheet writes; the file is damaged "
        "or not CSV text: save it again as CSV UTF-8",
        row=text.count("\n", 0, at) + 1,
        code="nul-character",
    )
    return False


def sniff_delimiter(text: str) -> str:
    """The delimiter of the first record: the one of , ; TAB seen most outside quotes."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for ch in text[:65536]:
        if ch == '"':
            quoted = not quoted
        elif not quoted:
            if ch in "\r\n":
                break
            if ch in counts:
                counts[ch] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def parse(text: str, problems: Problems) -> Table | None:
    """The table of a CSV text, or None (with a problem) when it is not valid CSV.

    The whole text is checked here, keeping only the first records; the
    rest are read again when the table is walked.
    """
    return _check(Table(text, delimiter=sniff_delimiter(text)), _text_lines(text), problems)


def _check(table: Table, lines: Iterable[str], problems: Problems) -> Table | None:
    """``table`` with its first records and count, once every line is read as valid CSV; else None."""
    reader = csv.reader(lines, delimiter=table.delimiter, strict=True)
    previous = 0
    try:
        for cells in reader:
            record = Record(previous + 1, cells)
            previous = reader.line_num
            if record.blank:
                continue
            if table.count < HEAD_RECORDS:
                table.head.append(record)
            table.count += 1
    except csv.Error as e:
        line = previous + 1
        if "unexpected end of data" in str(e):
            problems.error(
                'the file ends inside a quoted cell (a " is never closed); the file may be '
                "truncated or a quote is missing",
                row=line,
                code="unclosed-quote",
            )
        else:
            problems.error(f"not valid CSV ({e})", row=line, code="not-csv")
        return None
    if not table.count:
        problems.error("file is empty; expected a header row and one row per rater", code="empty-file")
        return None
    return table


def read_table(path: Path, problems: Problems) -> Table | None:
    """The records of the CSV file at ``path``, or None with the reasons in ``problems``.

    A file that is plain UTF-8 (almost every one) is checked and walked from
    disk, its text never held whole; any other is read whole, as ``read_bytes``,
    ``decode`` and ``parse`` say what is wrong with it or how it was read.
    """
    check_regular(path, "CSV file")
    stamp = _stamp(path)
    if _plain_utf8(path):
        with path.open(encoding="utf-8-sig", newline="") as f:
            delimiter = sniff_delimiter(f.read(65536))
        streamed = Table(delimiter=delimiter, path=path, stamp=stamp)
        return _check(streamed, _file_lines(path, stamp), problems)
    data = read_bytes(path, problems)
    if data is None:
        return None
    decoded = decode(data, problems)
    if decoded is None:
        return None
    text, encoding = decoded
    table = parse(text, problems)
    if table is not None:
        table.encoding = encoding
    return table


def _plain_utf8(path: Path, limit: int = MAX_FILE_BYTES) -> bool:
    """Whether the file is within ``limit``, not blank, and UTF-8 (a BOM allowed) without a NUL:
    what ``read_bytes`` and ``decode`` find nothing to say about. Read a CHUNK at a time."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    blank = True
    with path.open("rb") as f:
        if os.fstat(f.fileno()).st_size > limit:
            return False
        first = f.read(CHUNK)
        if first.startswith((b"PK\x03\x04", b"\xff\xfe", b"\xfe\xff")):
            return False  # a workbook, or UTF-16
        chunk = first
        while chunk:
            blank = blank and not chunk.strip()
            if b"\x00" in chunk:
                return False
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                return False
            chunk = f.read(CHUNK)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return not blank
