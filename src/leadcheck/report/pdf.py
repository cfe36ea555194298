"""PDF rendering with WeasyPrint, locked down: only the report's own assets may be fetched.

WeasyPrint is imported here, inside functions, never at CLI start-up: it costs
about 0.7 s to import.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from leadcheck.errors import ReportError

ASSET_SUFFIXES = frozenset(
    {".css", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".ttf", ".otf", ".woff", ".woff2"}
)

_fetcher_class: Any = None
_font_config: Any = None


def _locked_fetcher(roots: Sequence[Path]) -> Any:
    """A WeasyPrint URL fetcher that serves files inside ``roots`` and refuses everything else.

    Refused: http, https, ftp, data: URLs, and any file outside the template
    folders (symlinks are resolved first), or of a type a report never ships.
    """
    global _fetcher_class
    if _fetcher_class is None:
        from weasyprint.urls import URLFetcher, URLFetcherResponse

        class LockedFetcher(URLFetcher):  # type: ignore[misc]
            def __init__(self, allowed: Sequence[Path]) -> None:
                super().__init__(timeout=1, allowed_protocols={"file"}, allow_redirects=False)
                self.allowed = tuple(p.resolve() for p in allowed)

            def fetch(self, url: str, headers: Any = None) -> Any:
                parsed = urlparse(url)
                if parsed.scheme != "file":
                    raise ValueError(
                        f"refused to fetch {parsed.scheme or 'relative'} URL: reports fetch nothing outside their bundle"
                    )
                path = Path(unquote(parsed.path)).resolve()
                if path.suffix.lower() not in ASSET_SUFFIXES or not any(
                    path.is_relative_to(root) for root in self.allowed
                ):
                    raise ValueError("refused to fetch a file outside the report's templates")
                return URLFetcherResponse(url, body=path.read_bytes())

        _fetcher_class = LockedFetcher
    return _fetcher_class(roots)


def font_config() -> Any:
    """One FontConfiguration per process, reused across reports."""
    global _font_config
    if _font_config is None:
        from weasyprint.text.fonts import FontConfiguration

        _font_config = FontConfiguration()
    return _font_config


def render_pdf(html: str, dirs: Sequence[Path], base: Path | None = None) -> bytes:
    """PDF bytes of ``html``: tagged (PDF/UA-1), with metadata from the HTML head."""
    import weasyprint

    base_dir = base or dirs[-1]
    fetcher = _locked_fetcher(dirs)
    try:
        document = weasyprint.HTML(string=html, base_url=base_dir.as_uri() + "/", url_fetcher=fetcher).render(
            font_config=font_config()
        )
        data = document.write_pdf(pdf_variant="pdf/ua-1", pdf_tags=True)
    except Exception as e:  # WeasyPrint raises many kinds; the report names the step that failed
        raise ReportError(f"PDF rendering failed: {type(e).__name__}: {e}") from e
    assert isinstance(data, bytes)
    return data


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename: never a half file."""
    path = Path(path)
    if not path.parent.is_dir():
        raise ReportError(f"{path.parent}: no such folder")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
