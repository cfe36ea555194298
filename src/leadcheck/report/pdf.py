"""PDF rendering with WeasyPrint, locked down: only the bundle's own files may be fetched.

WeasyPrint is imported here, inside functions, never at CLI start-up: it costs
about 0.7 s to import.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from leadcheck.errors import ReportError
from leadcheck.report.bundle import ASSET_SUFFIXES, BUNDLE_ROOT, TemplateBundle

_fetcher_class: Any = None
_font_config: Any = None


def locked_fetcher(bundle: TemplateBundle) -> Any:
    """A WeasyPrint URL fetcher that serves the bundle's assets and refuses everything else.

    Refused: any file on disk, http, https, ftp, data: URLs, and the bundle's
    templates themselves (only images and fonts are served).
    """
    global _fetcher_class
    if _fetcher_class is None:
        from weasyprint.urls import URLFetcher, URLFetcherResponse

        class LockedFetcher(URLFetcher):  # type: ignore[misc]
            def __init__(self, bundle: TemplateBundle) -> None:
                super().__init__(timeout=1, allowed_protocols={"file"}, allow_redirects=False)
                self.bundle = bundle

            def fetch(self, url: str, headers: Any = None) -> Any:
                if not url.startswith(BUNDLE_ROOT):
                    raise ValueError("refused to fetch a URL outside the report's bundle")
                name = unquote(url[len(BUNDLE_ROOT) :].split("?")[0].split("#")[0])
                data = self.bundle.files.get(name)
                if data is None or Path(name).suffix.lower() not in ASSET_SUFFIXES or ".." in name.split("/"):
                    raise ValueError("refused to fetch a file the report's bundle does not hold")
                return URLFetcherResponse(url, body=data)

        _fetcher_class = LockedFetcher
    return _fetcher_class(bundle)


def font_config() -> Any:
    """One FontConfiguration per process, reused across reports."""
    global _font_config
    if _font_config is None:
        from weasyprint.text.fonts import FontConfiguration

        _font_config = FontConfiguration()
    return _font_config


def render_pdf(html: str, bundle: TemplateBundle) -> bytes:
    """PDF bytes of ``html``: tagged (PDF/UA-1), with metadata from the HTML head."""
    import weasyprint

    try:
        document = weasyprint.HTML(
            string=html, base_url=BUNDLE_ROOT, url_fetcher=locked_fetcher(bundle)
        ).render(font_config=font_config())
        data = document.write_pdf(pdf_variant="pdf/ua-1", pdf_tags=True)
    except Exception as e:  # WeasyPrint raises many kinds; say which step failed
        raise ReportError(f"PDF rendering failed: {type(e).__name__}: {e}") from e
    assert isinstance(data, bytes)
    return data


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename: never a half file.

    A symlink is kept: its target is replaced (atomically). A path that exists
    and is not a regular file (``/dev/stdout``, a FIFO, a terminal) is written
    directly, since a rename would replace it. A folder, a missing folder or
    one that cannot be written to is a ReportError.
    """
    import stat

    path = Path(path)
    try:
        target = path.stat()  # follows symlinks
    except FileNotFoundError:
        target = None
    except OSError as e:
        raise ReportError(f"cannot write {path}: {e.strerror}") from e
    if target is not None and stat.S_ISDIR(target.st_mode):
        raise ReportError(f"{path}: is a folder; give a file name")
    if target is not None and not stat.S_ISREG(target.st_mode):
        try:
            with path.open("wb") as f:
                f.write(data)
        except BrokenPipeError:
            raise  # `-o /dev/stdout | head`: the reader left; the command stops quietly
        except OSError as e:
            raise ReportError(f"cannot write {path}: {e.strerror}") from e
        return
    if path.is_symlink():
        path = path.resolve()  # replace the file it points to, not the link
    if not path.parent.is_dir():
        raise ReportError(f"{path.parent}: no such folder")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as e:
        raise ReportError(f"cannot write to the folder {path.parent}: {e.strerror}") from e
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
