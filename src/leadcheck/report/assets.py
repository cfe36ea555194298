"""How much an SVG draws, counted before WeasyPrint sees it: ``<use>`` can multiply a small file.

A 1.6 KB SVG whose groups each ``<use>`` the one before ten times draws 10**n
shapes, and WeasyPrint took ten minutes over one. Here every SVG asset of a
template bundle, and the report's HTML with its inline SVGs and the SVG assets
it shows, is parsed once with the standard library's tokenizer and its drawn
elements counted with every ``<use>`` expanded (each referenced element counted
once per use, memoised, so the count itself stays cheap). More than MAX_DRAWN
is refused, as is an SVG asset that refers to anything outside itself (another
file, a URL: a chain of files would multiply again) or declares entities.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from leadcheck.base.errors import ReportError

MAX_DRAWN = 20_000  # SVG elements one asset, or one report, draws with <use> expanded (the demo report: 761)
MAX_DEPTH = 256  # nesting of elements in an SVG

FIX = "simplify it (fewer <use> of groups that themselves <use>) or use a PNG"

# Elements of HTML that have no end tag: they never hold others.
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)
_LINK_ATTRS = ("href", "xlink:href", "src", "data")  # data: <object data="chart.svg">
_CSS_URL = re.compile(r"url\(\s*['\"]?\s*([^'\")\s]*)", re.IGNORECASE)


class _Counter(HTMLParser):
    """Elements, ids and the ``<use>`` references under each, in one pass."""

    def __init__(self, svg_only: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.svg_only = svg_only  # in an HTML document, count only inside <svg>
        self.stack: list[tuple[str, str | None]] = []  # open elements: (tag, id)
        self.in_svg = 0
        self.elements = 0
        self.own: dict[str, int] = {}  # id -> elements inside it (itself included)
        self.uses: dict[str | None, list[str]] = {None: []}  # id (None: the document) -> ids it uses
        self.outside: list[str] = []  # references to anything but #id
        self.images: list[str] = []  # <img src> and <image href> of files
        self.depth_exceeded = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._element(tag, attrs, closed=tag in _VOID)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._element(tag, attrs, closed=True)

    def _element(self, tag: str, attrs: list[tuple[str, str | None]], closed: bool) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "svg":
            self.in_svg += 1
        counted = self.in_svg > 0 or not self.svg_only
        ident = values.get("id")
        if counted:
            self.elements += 1
            for _, open_id in self.stack:
                if open_id is not None:
                    self.own[open_id] += 1
            if ident is not None:
                self.own.setdefault(ident, 0)
                self.own[ident] += 1
                self.uses.setdefault(ident, [])
        for name in _LINK_ATTRS:
            target = values.get(name, "").strip()
            if not target:
                continue
            if target.startswith("#"):
                if tag == "use" and counted:
                    self._used(target[1:])
            elif tag in ("img", "image"):
                self.images.append(target)
            else:
                self.outside.append(target)
        for url in _CSS_URL.findall(values.get("style", "")):
            if url and not url.startswith("#"):
                self.outside.append(url)
        if not closed:
            self.stack.append((tag, ident if counted else None))
            if counted and len(self.stack) > MAX_DEPTH:
                self.depth_exceeded = True
        elif tag == "svg":
            self.in_svg -= 1

    def _used(self, target: str) -> None:
        self.uses[None].append(target)
        for _, open_id in self.stack:
            if open_id is not None:
                self.uses[open_id].append(target)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                for closed_tag, _ in self.stack[i:]:
                    if closed_tag == "svg":
                        self.in_svg -= 1
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1][0] == "style":
            self.outside.extend(u for u in _CSS_URL.findall(data) if u and not u.startswith("#"))

    def drawn(self, limit: int) -> int:
        """Elements drawn with every <use> expanded; stops past ``limit`` (a cycle counts as past it)."""
        memo: dict[str, int] = {}
        active: set[str] = set()

        def expanded(ident: str) -> int:
            if ident in memo:
                return memo[ident]
            if ident in active:  # an element that uses itself, however indirectly, draws forever
                return limit + 1
            if ident not in self.own:
                return 0  # a reference to nothing draws nothing
            active.add(ident)
            total = self.own[ident]
            for used in self.uses.get(ident, ()):
                total += expanded(used)
                if total > limit:
                    break
            active.discard(ident)
            memo[ident] = total
            return total

        total = self.elements
        for used in self.uses[None]:
            total += expanded(used)
            if total > limit:
                break
        return total


def _count(text: str, svg_only: bool) -> _Counter:
    counter = _Counter(svg_only)
    counter.feed(text)
    counter.close()
    return counter


def check_svg_asset(name: str, data: bytes) -> int:
    """The elements an SVG asset of the bundle draws; ReportError when over budget or referring outside."""
    text = data.decode("utf-8", errors="replace")
    if "<!entity" in text.lower():
        raise ReportError(f"{name}: this SVG declares entities; an SVG asset may not, {FIX}")
    counter = _count(text, svg_only=False)
    if counter.depth_exceeded:
        raise ReportError(f"{name}: this SVG nests elements more than {MAX_DEPTH} deep; {FIX}")
    if counter.outside or counter.images:
        first = (counter.outside or counter.images)[0][:80]
        raise ReportError(
            f'{name}: this SVG refers to "{first}"; an SVG asset may refer only to its own elements (#id), '
            "so put what it shows inside it"
        )
    drawn = counter.drawn(MAX_DRAWN)
    if drawn > MAX_DRAWN:
        raise ReportError(
            f"{name}: this SVG draws more than {MAX_DRAWN:,} elements once its <use> references are expanded; {FIX}"
        )
    return drawn


def check_document(html: str, drawn_by_asset: dict[str, int]) -> None:
    """ReportError when the report's inline SVGs and the SVG assets it shows draw more than MAX_DRAWN."""
    counter = _count(html, svg_only=True)
    drawn = counter.drawn(MAX_DRAWN)
    for target in (*counter.images, *counter.outside):
        drawn += drawn_by_asset.get(target.split("#")[0].split("?")[0], 0)
    if counter.depth_exceeded or drawn > MAX_DRAWN:
        raise ReportError(
            f"the report's SVG (inline, or images it shows) draws more than {MAX_DRAWN:,} elements once "
            f"<use> references are expanded; {FIX}"
        )
