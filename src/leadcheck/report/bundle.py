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

from leadcheck.base.errors import ReportError
from leadcheck.base.resources import templates_dir
from leadcheck.pdf.render import ASSET_SUFFIXES, BUNDLE_ROOT

__all__ = ["ASSET_SUFFIXES", "BUNDLE_ROOT", "TemplateBundle", "load_bundle"]

TEXT_SUFFIXES = frozenset({".j2", ".css", ".html"})
TEMPLATE_SUFFIXES = frozenset({".j2", ".html"})
MAX_FILE_BYTES = 8 * 1024 * 1024  # one stylesheet, image or font
MAX_TEMPLATE_BYTES = 256 * 1024  # one template: Jinja compiles it before a step is taken (about 5 s at most)
MAX_BUNDLE_BYTES = 32 * 1024 * 1024  # all of them: the bundle travels with every render task
MAX_ENTRIES = 10_000  # files and folders looked at in a template folder


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
    """The templates and assets in ``folder``, each read with a size cap, the folder's total capped too."""
    import os

    out: dict[str, bytes] = {}
    root = folder.resolve()
    total = seen = 0
    for top, dirs, names in os.walk(folder):  # symlinked folders are not followed
        dirs.sort()
        seen += len(dirs) + len(names)
        if seen > MAX_ENTRIES:
            raise ReportError(
                f"{folder}: more than {MAX_ENTRIES:,} files and folders; a template folder holds only "
                "templates, the stylesheet, images and fonts: point --template-dir at that folder"
            )
        for name in sorted(names):
            path = Path(top) / name
            if path.suffix.lower() not in TEXT_SUFFIXES | ASSET_SUFFIXES or not path.is_file():
                continue
            real = path.resolve()
            if not real.is_relative_to(root):
                continue  # a symlink out of the folder is not part of the bundle
            data = _read_capped(
                path, real, MAX_TEMPLATE_BYTES if path.suffix in TEMPLATE_SUFFIXES else MAX_FILE_BYTES
            )
            total += len(data)
            if total > MAX_BUNDLE_BYTES:
                raise ReportError(
                    f"{folder}: its templates and assets come to more than {_size(MAX_BUNDLE_BYTES)}; "
                    "every render worker gets a copy, so keep them under that (smaller images, fewer fonts)"
                )
            relative = path.relative_to(folder).as_posix()
            if path.suffix.lower() == ".svg":
                from leadcheck.report.assets import check_svg_asset

                check_svg_asset(str(path), data)
            out[relative] = data
    return out


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MiB" if n >= 1024 * 1024 else f"{n // 1024} KiB"


def _read_capped(path: Path, real: Path, cap: int) -> bytes:
    """The bytes of ``real``, read no further than ``cap`` (a file that grows is refused too).

    Opened without blocking and checked again once open: a named pipe put in a file's place after
    the folder was listed is refused, not waited on.
    """
    import os
    import stat

    try:
        fd = os.open(real, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as stream:
            if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
                raise ReportError(
                    f"{path}: not a regular file (a pipe or a device); a template folder may hold only files: "
                    "remove it from the folder"
                )
            data = stream.read(cap + 1)
    except OSError as e:
        raise ReportError(f"{path}: cannot be read ({e.strerror}); check its permissions") from e
    if len(data) > cap:
        raise ReportError(f"{path}: larger than {_size(cap)}; templates and assets must be small")
    return data


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
