"""Finding instruments: the shipped ones by id, any other by path."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from leadcheck.errors import InstrumentError, UsageError
from leadcheck.instrument.model import Instrument
from leadcheck.instrument.validate import ValidationResult, validate_file, validate_text
from leadcheck.resources import instruments_dir

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


def find_instrument_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Files named directly, and every *.yaml / *.yml below named folders, sorted.

    Raises UsageError for a path that does not exist.
    """
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.suffix in YAML_SUFFIXES and p.is_file())
        elif path.exists():
            yield path
        else:
            raise UsageError(f"{path}: no such file or folder")


def _raise_invalid(result: ValidationResult) -> None:
    first = result.errors[0]
    more = len(result.errors) - 1
    extra = (
        f" (and {more} more problem{'s' if more != 1 else ''}; run `leadcheck validate {result.path}`)"
        if more
        else ""
    )
    raise InstrumentError(f"instrument is not valid: {first}{extra}")


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
    sources: list[tuple[Path, bool]] = [(p, True) for p in builtin_ids().values()]
    sources += [(p, False) for p in find_instrument_files(folders)]
    for path, builtin in sources:
        result = validate_file(path)
        inst = result.instrument
        if inst is None:
            invalid.append(result)
            continue
        infos.append(InstrumentInfo(inst.id, inst.version, inst.title, path, len(inst.items), builtin))
    return infos, invalid
