"""Answers and comments an import has read, kept in a temporary file until they are stored.

A plan checks who answered about whom across every file (the later
response of a rater wins, a rater keeps one group, ...); none of that needs
the answers. So each response's answers, comments and source go to a
spool as they are read, the plan keeps the response without them (as a row
of its database, ``kept.py``), and ``load`` gives them back, a batch at a
time, when the plan is applied: memory holds the answers of one batch, never
those of the whole file, nor anything per record (where each record ends is
in a second file).

The files are unnamed (unlinked as they are created, readable only by this
process) and gone when the spool is closed or the process ends.
"""

from __future__ import annotations

import dataclasses
import json
import struct
import tempfile
import weakref
from collections.abc import Mapping
from types import MappingProxyType
from typing import IO

from leadcheck.importing.model import Parsed
from leadcheck.responses import Answer

# Shared by every response kept without its answers and comments.
NO_ANSWERS: Mapping[str, Answer] = MappingProxyType({})
NO_COMMENTS: Mapping[str, str] = MappingProxyType({})
_END = struct.Struct("<q")  # where a record ends
_ENDS = struct.Struct("<qq")  # where one record ends and the next one


class Spool:
    """Append-only store of the answers and comments of parsed responses, read back by number."""

    def __init__(self) -> None:
        self._file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (open as long as the plan)
        # Where each record ends, 8 bytes each, in a file too: memory holds nothing per record.
        self._ends: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (open as long as the plan)
        weakref.finalize(self, self._file.close)  # closed with the plan, without a ResourceWarning
        weakref.finalize(self, self._ends.close)
        self._count = 0
        self._end = 0  # where the next record starts

    def keep(self, parsed: Parsed) -> Parsed:
        """Write away ``parsed``'s answers, comments and source; the Parsed without them, numbered."""
        r = parsed.response
        line = json.dumps([r.answers, r.comments, r.source], ensure_ascii=False, separators=(",", ":"))
        self._file.seek(self._end)
        self._file.write(line.encode())
        self._end = self._file.tell()
        self._ends.seek(8 * self._count)
        self._ends.write(_END.pack(self._end))
        self._count += 1
        light = dataclasses.replace(r, answers=NO_ANSWERS, comments=NO_COMMENTS, source="")
        return dataclasses.replace(parsed, response=light, spooled=self._count - 1)

    def load(self, parsed: Parsed) -> Parsed:
        """``parsed`` with its answers, comments and source back (as it was before ``keep``)."""
        number = parsed.spooled
        if number < 0:
            return parsed
        if number:
            self._ends.seek(8 * (number - 1))
            start, end = _ENDS.unpack(self._ends.read(16))
        else:
            self._ends.seek(0)
            start, (end,) = 0, _END.unpack(self._ends.read(8))
        self._file.seek(start)
        answers, comments, source = json.loads(self._file.read(end - start))
        typed: dict[str, Answer] = answers
        response = dataclasses.replace(parsed.response, answers=typed, comments=comments, source=source)
        return dataclasses.replace(parsed, response=response, spooled=-1)

    def close(self) -> None:
        self._file.close()
        self._ends.close()
