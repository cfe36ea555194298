"""The report's templates and assets as one immutable bundle of bytes.

A bundle is what a render worker needs besides the view model: it travels to
process-pool and Dask workers by value, so they need no access to the
coordinator's files, and the PDF's URL fetcher can serve exactly its contents
and nothing else.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from leadcheck.errors import ReportError
from leadcheck.resources import templates_dir

TEXT_SUFFIXES = frozenset({".j2", ".css", ".html"})
ASSET_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".ttf", ".otf", ".woff", ".woff2"}
)
MAX_FILE_BYTES = 8 * 1024 * 1024
BUNDLE_ROOT = "file:///leadcheck-bundle/"


@dataclass(frozen=True)
class TemplateBundle:
    """Templates, stylesheet and assets by relative name (first folder wins), with a digest."""

    files: Mapping[str, bytes]
    digest: str

    def text(self, name: str) -> str:
        return self.files[name].decode("utf-8")

    def templates(self) -> dict[str, str]:
        return {n: b.decode("utf-8") for n, b in self.files.items() if Path(n).suffix in TEXT_SUFFIXES}


def _files(folder: Path) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.suffix.lower() not in TEXT_SUFFIXES | ASSET_SUFFIXES:
            continue
        real = path.resolve()
        if not real.is_relative_to(folder.resolve()):
            continue  # a symlink out of the folder is not part of the bundle
        if real.stat().st_size > MAX_FILE_BYTES:
            raise ReportError(
                f"{path}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB; templates and assets must be small"
            )
        out[path.relative_to(folder).as_posix()] = real.read_bytes()
    return out


def load_bundle(custom: Path | None = None) -> TemplateBundle:
    """The default templates, overridden file by file by those in ``custom``."""
    if custom is not None and not custom.is_dir():
        raise ReportError(f"{custom}: no such template folder")
    files = _files(templates_dir())
    if custom is not None:
        files.update(_files(custom))
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\x00" + hashlib.sha256(files[name]).digest())
    return TemplateBundle(files, digest.hexdigest())
