"""Answers and comments an import has read, kept in a temporary file until they are stored.

A plan checks who answered about whom across every file (the later
response of a rater wins, a rater keeps one group, ...); none of that needs
the answers. So each response's answers, comments and source go to a
spool as they are read, the plan keeps the response without them (as a row
of its database, ``kept.py``), and ``load`` gives them back, a batch at a
time, when the plan is applied: memory holds the answers of one batch and an
offset per row (8 bytes), never the answers of the whole file.

The file is unnamed (unlinked as it is created, readable only by this
process) and gone when the spool is closed or the process ends.
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
import weakref
from array import array
from collections.abc import Mapping
from types import MappingProxyType
from typing import IO

from leadcheck.importing.model import Parsed
from leadcheck.responses import Answer

# Shared by every response kept without its answers and comments.
NO_ANSWERS: Mapping[str, Answer] = MappingProxyType({})
NO_COMMENTS: Mapping[str, str] = MappingProxyType({})


class Spool:
    """Append-only store of the answers and comments of parsed responses, read back by number."""

    def __init__(self) -> None:
        self._file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (open as long as the plan)
        weakref.finalize(self, self._file.close)  # closed with the plan, without a ResourceWarning
        self._offsets = array("q")  # where each record starts; one more: where the next would
        self._offsets.append(0)

    def keep(self, parsed: Parsed) -> Parsed:
        """Write away ``parsed``'s answers, comments and source; the Parsed without them, numbered."""
        r = parsed.response
        line = json.dumps([r.answers, r.comments, r.source], ensure_ascii=False, separators=(",", ":"))
        self._file.seek(self._offsets[-1])
        self._file.write(line.encode())
        self._offsets.append(self._file.tell())
        light = dataclasses.replace(r, answers=NO_ANSWERS, comments=NO_COMMENTS, source="")
        return dataclasses.replace(parsed, response=light, spooled=len(self._offsets) - 2)

    def load(self, parsed: Parsed) -> Parsed:
        """``parsed`` with its answers, comments and source back (as it was before ``keep``)."""
        number = parsed.spooled
        if number < 0:
            return parsed
        start, end = self._offsets[number], self._offsets[number + 1]
        self._file.seek(start)
        answers, comments, source = json.loads(self._file.read(end - start))
        typed: dict[str, Answer] = answers
        response = dataclasses.replace(parsed.response, answers=typed, comments=comments, source=source)
        return dataclasses.replace(parsed, response=response, spooled=-1)

    def close(self) -> None:
        self._file.close()
