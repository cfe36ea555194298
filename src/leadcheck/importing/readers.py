"""The kinds of file an import reads, each one entry in a registry: what it claims, how it is read.

A new kind of file is one ``FileKind`` given to ``register``; the import loops
over the registered kinds and never names one. A kind from a package above
``importing`` (the returned PDF questionnaires of ``campaign``) is registered by
the command that imports, so ``importing`` imports nothing above it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from leadcheck.importing import csvfile

if TYPE_CHECKING:
    from leadcheck.base.problems import Problems
    from leadcheck.importing.export import ExportReader, KnownRater
    from leadcheck.importing.model import ImportOptions, Parsed
    from leadcheck.importing.resolve import Instruments
    from leadcheck.store import Store


@dataclass(frozen=True)
class ReadContext:
    """What a reader may use for one file: its name in messages, the options, the instruments, where
    its problems go, which raters the workspace knows, and the workspace (None: there is none)."""

    source: str
    options: ImportOptions
    instruments: Instruments
    problems: Problems
    known: KnownRater
    store: Store | None


@dataclass(frozen=True)
class FileRead:
    """A file as read: its layout (for the report), its responses as they are read, and the export
    reader that reads them when the file is an export (it also names rounds, leaders and releases)."""

    layout: str
    parsed: Iterable[Parsed]
    export: ExportReader | None = None


# Reads one file; made once per import by a kind's ``start``, so a kind may keep what its files
# share (the returned forms' budget) for one import and no longer.
Read = Callable[[Path, ReadContext], FileRead]


class Sniff:
    """What a kind may look at to claim a file: its path, ``--layout`` and (read once, when a kind
    asks) its first bytes."""

    def __init__(self, path: Path, layout: str, problems: Problems) -> None:
        self.path = path
        self.layout = layout
        self.suffix = path.suffix.lower()
        self._problems = problems

    @cached_property
    def head(self) -> bytes:
        """The first bytes, enough to tell JSON from CSV; b"" (with a problem) for an empty file."""
        head = csvfile.read_head(self.path)
        if not head.strip():  # blank so far: the whole file says more
            head = csvfile.read_bytes(self.path, self._problems) or b""
        return head


@dataclass(frozen=True)
class FileKind:
    """One kind of file: its name, whether it claims a file, how an import starts reading such
    files, and what is done once its responses are stored.

    A kind that claims by ``Sniff.head`` (``by_content``) is offered a file after every kind that
    claims by name and ``--layout``, and never an empty file.
    """

    name: str
    label: str
    claims: Callable[[Sniff], bool]
    start: Callable[[], Read]
    by_content: bool = False
    # Called in the import's transaction with the campaign roster rows its responses came from.
    stored: Callable[[Store, list[int]], None] | None = None


_KINDS: dict[str, FileKind] = {}


def register(kind: FileKind) -> None:
    """Add a kind of file (again: replaced). Kinds claim files in the order registered, before the
    tables every other file is read as."""
    _KINDS[kind.name] = kind


def registered() -> list[FileKind]:
    """Every kind of file registered, in the order files are offered to them."""
    kinds = list(_KINDS.values())
    return [k for k in kinds if not k.by_content] + [k for k in kinds if k.by_content]


class Readers:
    """The registered kinds, started for one import."""

    def __init__(self) -> None:
        self.kinds = registered()
        self._reads = {kind.name: kind.start() for kind in self.kinds}

    def read(self, path: Path, context: ReadContext) -> FileRead:
        """The file read by the first kind that claims it; no responses (with a problem) when it is
        empty or no kind claims it."""
        layout = context.options.layout
        sniff = Sniff(path, layout, context.problems)
        for kind in self.kinds:
            if kind.by_content and not sniff.head:
                return FileRead(layout, [])
            if kind.claims(sniff):
                return self._reads[kind.name](path, context)
        context.problems.error(
            f"no reader takes a file like this with --layout {layout}; import response files, "
            "leadcheck exports or survey CSV exports",
            code="unknown-file",
        )
        return FileRead(layout, [])


def label_of(layout: str) -> str:
    """A layout's or a kind's name as the import report shows it."""
    kind = _KINDS.get(layout)
    return kind.label if kind is not None else layout
