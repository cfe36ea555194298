"""Finding instruments: the shipped ones by id, any other by path."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from leadcheck.base import text as txt
from leadcheck.base.errors import InstrumentError, UsageError
from leadcheck.base.resources import instruments_dir
from leadcheck.instrument.model import Instrument
from leadcheck.instrument.validate import ValidationResult, validate_file, validate_text

YAML_SUFFIXES = (".yaml", ".yml")
DEFAULT_INSTRUMENT = "psl-360"


@dataclass(frozen=True)
class InstrumentInfo:
    """One line of `leadcheck instruments list`."""

    id: str
    version: str
    title: str
    path: Path
    items: int
    builtin: bool


def instrument_sources(paths: Iterable[Path]) -> Iterator[tuple[Path, Path]]:
    """Each instrument file to read, with the folder it must stay inside.

    Files named directly, and every *.yaml / *.yml below named folders, sorted.
    A folder's files must stay inside that folder, and a file named directly
    inside the current folder: a symbolic link leading elsewhere (a pull request
    adding ``instruments/x.yaml`` -> ``/etc/shadow``) is named, never read
    (see ``validate_file``). Links to folders are not followed at all.

    Raises UsageError for a path that does not exist.
    """
    for path in paths:
        if path.is_dir():
            found: list[Path] = []
            for folder, dirs, names in os.walk(path, followlinks=False):
                dirs.sort()
                found += (Path(folder) / n for n in names if Path(n).suffix in YAML_SUFFIXES)
            yield from ((p, path) for p in sorted(found))
        elif path.exists() or path.is_symlink():
            yield path, Path.cwd()
        else:
            raise UsageError(f"{path}: no such file or folder")


def find_instrument_files(paths: Iterable[Path]) -> Iterator[Path]:
    """The files of ``instrument_sources``, without their folders."""
    for path, _ in instrument_sources(paths):
        yield path


def _raise_invalid(result: ValidationResult) -> None:
    first = result.errors[0]
    more = len(result.errors) - 1
    extra = (
        f" (and {more} more {txt.plural(more, 'problem')}; run `leadcheck validate {result.path}`)"
        if more
        else ""
    )
    raise InstrumentError(f"instrument is not valid: {first.with_code()}{extra}")


def builtin_ids() -> dict[str, Path]:
    """Shipped instrument ids mapped to their files (the id is the file name's stem)."""
    folder = instruments_dir()
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))} if folder.is_dir() else {}


def load_instrument(ref: str | Path) -> Instrument:
    """A valid instrument from a shipped id (``psl-360``) or a path to a YAML file."""
    ref_str = str(ref)
    path = Path(ref_str)
    if not (path.suffix in YAML_SUFFIXES or path.exists()):
        builtin = builtin_ids()
        if ref_str not in builtin:
            known = ", ".join(builtin) or "none"
            raise InstrumentError(
                f'no instrument "{ref_str}": give a path to a YAML file or one of the shipped ids ({known})'
            )
        path = builtin[ref_str]
    if not path.is_file():
        raise InstrumentError(f"{path}: no such instrument file")
    result = validate_file(path)
    if not result.ok or result.instrument is None:
        _raise_invalid(result)
    assert result.instrument is not None
    return result.instrument


def instrument_from_text(text: str, where: str = "<stored instrument>") -> Instrument:
    """An instrument from a stored YAML snapshot (e.g. from the response store)."""
    result = validate_text(text, where)
    if not result.ok or result.instrument is None:
        _raise_invalid(result)
    assert result.instrument is not None
    return result.instrument


def list_instruments(folders: Iterable[Path] = ()) -> tuple[list[InstrumentInfo], list[ValidationResult]]:
    """The shipped instruments and those in ``folders``; invalid files are returned apart."""
    infos: list[InstrumentInfo] = []
    invalid: list[ValidationResult] = []
    sources: list[tuple[Path, bool, Path | None]] = [(p, True, None) for p in builtin_ids().values()]
    sources += [(p, False, within) for p, within in instrument_sources(folders)]
    for path, builtin, within in sources:
        result = validate_file(path, within)
        inst = result.instrument
        if inst is None:
            invalid.append(result)
            continue
        infos.append(InstrumentInfo(inst.id, inst.version, inst.title, path, len(inst.items), builtin))
    return infos, invalid
