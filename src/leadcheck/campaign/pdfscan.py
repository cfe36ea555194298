"""A returned PDF's size measured before any PDF library parses it: inflated bytes, objects and time, each budgeted.

pypdf caps each compressed stream it inflates, but not their sum: a 770 KB file of
48 object streams under that cap inflates to 3.6 GB. This scan walks the raw bytes
once, inflates every Flate stream incrementally (``decompressobj`` with
``max_length``, so memory stays at one chunk) and counts what a parser would have
to build, and refuses the file the moment one budget is spent. Only when the scan
passes does pypdf see the file, all it could inflate already counted.
"""

from __future__ import annotations

import re
import time
import zlib
from bisect import bisect_right
from dataclasses import dataclass, field

from leadcheck.base.errors import ImportProblemError

MIB = 1024 * 1024
FORM_BYTES = 16 * MIB  # the file itself; a questionnaire is under 1 MiB
FORM_INFLATED = 16 * MIB  # a questionnaire inflates to under 1 MiB (its embedded fonts), 2 when saved
FORM_OBJECTS = 20_000  # a questionnaire has about 500 objects, one of 100 items about 1,500
FORM_SECONDS = 10.0  # scanning and reading one form; a questionnaire takes a fraction of a second
IMPORT_INFLATED = 1024 * MIB  # every form of one `leadcheck import` together
IMPORT_SECONDS = 300.0

CHUNK = 256 * 1024
# Filters a reader of form fields may meet; pypdf inflates only Flate, and only
# streams it must parse (object and cross-reference streams) ever are.
KNOWN_FILTERS = frozenset({b"/FlateDecode", b"/DCTDecode", b"/JPXDecode"})

_OBJ = re.compile(rb"\d+\s+\d+\s+obj\b")
_STREAM = re.compile(rb"(?<!end)stream(?:\r\n|\n|\r)")
_FILTER = re.compile(rb"/Filter\s*(\[[^\]]*\]|/[^\s/\[\]<>()]+|\d+\s+\d+\s+R)")
_NAME = re.compile(rb"/[^\s/\[\]<>()]*")
_LENGTH = re.compile(rb"/Length\s+(\d{1,12})(?!\s+\d+\s+R)")
_COUNT = re.compile(rb"/N\s+(\d{1,12})")
_OBJSTM = re.compile(rb"/Type\s*/ObjStm")


class OverBudget(ImportProblemError):
    """A returned file needs more than its budget to be read; the message says which budget."""

    def __init__(self, message: str, per_import: bool = False) -> None:
        super().__init__(message)
        self.per_import = per_import  # the import's budget is spent, not this form's


@dataclass
class ImportBudget:
    """What every form of one import may use together."""

    inflated: int = field(default_factory=lambda: IMPORT_INFLATED)
    deadline: float = field(default_factory=lambda: time.monotonic() + IMPORT_SECONDS)


@dataclass
class FormBudget:
    """What one form may use, never more than what is left of its import's budget."""

    spent_import: ImportBudget
    inflated: int = 0
    objects: int = 0
    deadline: float = 0.0
    limit: int = FORM_INFLATED

    def __post_init__(self) -> None:
        self.deadline = min(time.monotonic() + FORM_SECONDS, self.spent_import.deadline)
        self.limit = min(FORM_INFLATED, self.spent_import.inflated)

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            if self.deadline == self.spent_import.deadline:
                raise OverBudget(
                    f"reading the returned forms took more than {IMPORT_SECONDS:.0f} seconds in all; "
                    "import the rest in another `leadcheck import`",
                    per_import=True,
                )
            raise OverBudget(f"reading it takes more than {FORM_SECONDS:.0f} seconds")

    def add_inflated(self, n: int) -> None:
        self.inflated += n
        if self.inflated > self.limit:
            if self.limit < FORM_INFLATED:
                raise OverBudget(
                    f"the returned forms of this import expand to more than {IMPORT_INFLATED // MIB} MiB "
                    "in all; import the rest in another `leadcheck import`",
                    per_import=True,
                )
            raise OverBudget(f"its compressed contents expand to more than {FORM_INFLATED // MIB} MiB")

    def add_objects(self, n: int) -> None:
        self.objects += n
        if self.objects > FORM_OBJECTS:
            raise OverBudget(f"it holds more than {FORM_OBJECTS:,} PDF objects")

    def close(self) -> None:
        """Charge what this form inflated to its import."""
        self.spent_import.inflated -= self.inflated


def scan(data: bytes, budget: FormBudget) -> None:
    """Raise OverBudget if reading ``data`` as a PDF would inflate, build or take more than ``budget``."""
    objects: list[int] = []
    for match in _OBJ.finditer(data):  # counted as found: a file of nothing but "1 0 obj" stops early
        objects.append(match.start())
        budget.add_objects(1)
    budget.check_time()
    pos = 0
    while True:
        found = _STREAM.search(data, pos)
        if found is None:
            return
        budget.check_time()
        start = found.end()
        at = bisect_right(objects, found.start()) - 1
        head = data[objects[at] : found.start()] if at >= 0 and found.start() - objects[at] < 65_536 else b""
        flate = _check_filters(head) or not head
        if _OBJSTM.search(head):
            count = _COUNT.search(head)
            budget.add_objects(int(count.group(1)) if count else FORM_OBJECTS + 1)
        end = _inflate(data, start, budget) if flate else None
        if end is None:  # not Flate: skip the stored bytes when the length is written out
            length = _LENGTH.search(head)
            end = start + int(length.group(1)) if length else start
        pos = max(end, start)


def _check_filters(head: bytes) -> bool:
    """Whether the stream is Flate; one compressed with a filter a form never holds is refused unread.

    Only filter names written out in the stream's dictionary are accepted: an
    indirect or escaped name (``/Fl#61teDecode``) could hide Flate from this scan.
    """
    flate = False
    for match in _FILTER.finditer(head):
        names = _NAME.findall(match.group(1))
        if not names or any(name not in KNOWN_FILTERS for name in names):
            raise OverBudget("it uses a compression leadcheck does not read")
        flate = flate or b"/FlateDecode" in names
    return flate


def _inflate(data: bytes, start: int, budget: FormBudget) -> int | None:
    """Inflate the stream at ``start`` chunk by chunk, charging ``budget``; its end, or None if not deflate.

    Both zlib-wrapped and raw deflate are tried, as pypdf falls back to raw.
    """
    for wbits in (zlib.MAX_WBITS, -zlib.MAX_WBITS):
        inflater = zlib.decompressobj(wbits)
        produced = 0
        offset = start
        pending = b""
        try:
            while not inflater.eof:
                if not pending:
                    if offset >= len(data):
                        break
                    pending = data[offset : offset + CHUNK]
                    offset += len(pending)
                piece = inflater.decompress(pending, CHUNK)
                pending = inflater.unconsumed_tail
                produced += len(piece)
                budget.add_inflated(len(piece))
                budget.check_time()
        except zlib.error:
            if produced:
                return offset  # a damaged stream: what came out is counted, pypdf may recover as much
            continue
        if produced or inflater.eof:
            return offset - len(pending) - len(inflater.unused_data)
    return None
