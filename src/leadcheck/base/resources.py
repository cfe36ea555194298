"""Where the shipped instruments, report templates and schema live, installed or in a checkout."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent  # base/ -> the package
_CHECKOUT = _PACKAGE.parent.parent  # src/leadcheck -> repository root


@cache
def _data_dir(name: str) -> Path:
    # A wheel carries the folders inside the package (see pyproject's force-include);
    # an editable install or a checkout reads them from the repository root.
    installed = _PACKAGE / "_data" / name
    if installed.exists():
        return installed
    return _CHECKOUT / name


def instruments_dir() -> Path:
    """The folder of the instruments that ship with leadcheck."""
    return _data_dir("instruments")


def templates_dir() -> Path:
    """The folder of the default report templates."""
    return _data_dir("report_templates")


def schema_file() -> Path:
    """The committed JSON Schema of the instrument format."""
    installed = _PACKAGE / "_data" / "instrument.schema.json"
    return installed if installed.exists() else _CHECKOUT / "schema" / "instrument.schema.json"
