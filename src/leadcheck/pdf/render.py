"""WeasyPrint locked down: a document's HTML in, tagged PDF bytes out, fetching nothing it was not given.

Used by the report and the questionnaire alike. WeasyPrint is imported here,
inside functions, never at CLI start-up: it costs about 0.7 s to import. One
font configuration per process is reused across documents.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from leadcheck.base.errors import ReportError

# The base URL of every document: relative references resolve below it, to the files the document ships.
BUNDLE_ROOT = "file:///leadcheck-bundle/"
# What a document may load from the files it ships: images and fonts.
ASSET_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".ttf", ".otf", ".woff", ".woff2"}
)

# Wall time of one PDF's layout and writing (the demo's heaviest report takes about 5 s).
PDF_SECONDS = 120.0

_fetcher_class: Any = None
_font_config: Any = None


def locked_fetcher(files: Mapping[str, bytes]) -> Any:
    """A WeasyPrint URL fetcher that serves the images and fonts among ``files`` and refuses everything else.

    Refused: any file on disk, http, https, ftp, data: URLs, and any other file
    given (a report's templates: only images and fonts are served).
    """
    global _fetcher_class
    if _fetcher_class is None:
        from weasyprint.urls import URLFetcher, URLFetcherResponse

        class LockedFetcher(URLFetcher):  # type: ignore[misc]
            def __init__(self, files: Mapping[str, bytes]) -> None:
                super().__init__(timeout=1, allowed_protocols={"file"}, allow_redirects=False)
                self.files = files

            def fetch(self, url: str, headers: Any = None) -> Any:
                if not url.startswith(BUNDLE_ROOT):
                    raise ValueError("refused to fetch a URL outside the document's own files")
                name = unquote(url[len(BUNDLE_ROOT) :].split("?")[0].split("#")[0])
                data = self.files.get(name)
                if data is None or Path(name).suffix.lower() not in ASSET_SUFFIXES or ".." in name.split("/"):
                    raise ValueError("refused to fetch a file the document does not ship")
                return URLFetcherResponse(url, body=data)

        _fetcher_class = LockedFetcher
    return _fetcher_class(files)


def font_config() -> Any:
    """One FontConfiguration per process, reused across documents."""
    global _font_config
    if _font_config is None:
        from weasyprint.text.fonts import FontConfiguration

        _font_config = FontConfiguration()
    return _font_config


def scope_table_headers(document: Any, pdf: Any) -> None:
    """Give every table header cell (/TH) a /Scope: /Column in a header row group, /Row elsewhere;
    retag a table fragment that holds only its caption (the rows went to the next page) as a /Div.

    WeasyPrint links data cells to their headers with /Headers and /IDs, but leaves the
    header cells themselves without /Scope, which PDF/UA checkers (rule 7.5, "table
    structure determinable") look for on the /TH. leadcheck's templates put column
    headers in <thead> and row headers (scope="row") in <tbody>, which is what this
    mirrors. Runs as WeasyPrint's finisher, on the PDF objects before they are written.
    """
    import pydyf

    by_reference = {obj.reference: obj for obj in pdf.objects[1:] if isinstance(obj, pydyf.Dictionary)}
    rows = {"/TR", "/THead", "/TBody", "/TFoot"}
    for obj in by_reference.values():
        # A table's caption at the foot of a page, its rows on the next, leaves a /Table with no
        # rows on the first page: it is a caption there, not a table.
        if obj.get("S") == "/Table" and obj.get("Type") == "/StructElem":
            kids = [by_reference.get(k) for k in obj.get("K", ()) if not isinstance(k, int)]
            if not any(k is not None and k.get("S") in rows for k in kids):
                obj["S"] = "/Div"
                for kid in kids:
                    if kid is not None and kid.get("S") == "/Caption":
                        kid["S"] = "/P"
    for obj in by_reference.values():
        if obj.get("S") != "/TH" or obj.get("Type") != "/StructElem":
            continue
        row = by_reference.get(obj.get("P"))
        group = by_reference.get(row.get("P")) if row is not None else None
        scope = "/Column" if group is not None and group.get("S") == "/THead" else "/Row"
        attributes = obj.get("A")
        if not isinstance(attributes, pydyf.Dictionary):
            attributes = obj["A"] = pydyf.Dictionary({"O": "/Table"})
        attributes["Scope"] = scope


class _OverTime(BaseException):
    """The PDF's deadline passed (a BaseException: WeasyPrint catches Exception around images)."""


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Stop the code inside after ``seconds`` with _OverTime, where a timer signal can: in the main
    thread (the command, a render process, a pool worker); a Dask worker's threads go without."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expired(_signum: int, _frame: object) -> None:
        raise _OverTime

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def write_pdf(
    html: str, files: Mapping[str, bytes] | None = None, *, forms: bool = False, what: str = "PDF rendering"
) -> bytes:
    """PDF bytes of ``html``: tagged (PDF/UA-1), with metadata from the HTML head, laid out within PDF_SECONDS.

    The document may load the images and fonts among ``files`` by relative name, and
    nothing else. ``forms``: its form fields become fillable PDF fields. A failure is
    one ReportError starting with ``what``.
    """
    import weasyprint

    try:
        with deadline(PDF_SECONDS):
            document = weasyprint.HTML(
                string=html, base_url=BUNDLE_ROOT, url_fetcher=locked_fetcher(files or {})
            ).render(font_config=font_config(), pdf_forms=forms)
            data = document.write_pdf(pdf_variant="pdf/ua-1", pdf_tags=True, finisher=scope_table_headers)
    except _OverTime:
        raise ReportError(
            f"{what} took more than {PDF_SECONDS:g} s, the budget of one document; "
            "make the templates lighter (fewer pages, smaller images and SVG)"
        ) from None
    except Exception as e:  # WeasyPrint raises many kinds; say which step failed
        raise ReportError(f"{what} failed: {type(e).__name__}: {e}") from e
    assert isinstance(data, bytes)
    return data
