"""An HTML report that runs no script and fetches nothing, whatever its templates hold.

Two layers, because a coach opens the file in whatever browser or mail program
is at hand:

1. A Content-Security-Policy ``<meta>``, the first element of the head:
   ``default-src 'none'`` with only ``data:`` images and fonts and inline styles
   allowed. The browser enforces it with its own parser, so no markup trick
   (odd nesting, CSS escapes, an SVG animation) gets a script run or a URL
   fetched where CSP is honoured (every current browser).
2. The markup itself is cleaned, for viewers without CSP and so that the file
   holds none of it: ``<script>``, frames, objects, ``<link>``, ``<base>``,
   ``<meta http-equiv>`` and SVG animations are removed with their content;
   ``on*`` handlers are removed; a link or source attribute is kept only when
   it points inside the document (``#id``) or is a ``data:`` image (the bundle's
   own assets, already inlined); ``url()`` to anything else and ``@import`` in
   styles become ``none``.

Everything else is passed through byte for byte: the report's own markup does
not change.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

CSP = (
    "default-src 'none'; img-src data:; font-src data:; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'"
)
CSP_META = f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'

# Removed with everything inside them.
_DROP_WITH_CONTENT = frozenset(
    {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "noembed", "noframes", "noscript"}
    | {"plaintext"}
    | {"animate", "animatemotion", "animatetransform", "set", "handler", "listener"}
)
# Removed, their content kept (they have none, or it is harmless text).
_DROP_TAG = frozenset({"base", "link", "portal"})
# Attributes that name something to fetch, open or run.
_URL_ATTRS = frozenset(
    {"href", "xlink:href", "src", "srcset", "action", "formaction", "poster", "background", "cite"}
    | {"data", "ping", "longdesc", "lowsrc", "dynsrc", "codebase", "usemap", "manifest", "archive"}
    | {"profile", "icon", "itemtype", "classid"}
)
_SAFE_URL = re.compile(r"^(#|data:image/(png|jpeg|gif|webp|svg\+xml)[;,])", re.IGNORECASE)
_CSS_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)
_CSS_IMPORT = re.compile(r"@import\b[^;]*;?", re.IGNORECASE)
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")


def safe_url(value: str) -> bool:
    """True for a reference into the document (#id) or a data: image; anything else may fetch or run."""
    return bool(_SAFE_URL.match(_INVISIBLE.sub("", html.unescape(value))))


def safe_css(css: str) -> str:
    """``css`` with ``@import`` and every ``url()`` but a data: one or #id removed."""
    css = _CSS_IMPORT.sub("", css)

    def url(match: re.Match[str]) -> str:
        target = match.group(2)
        return (
            match.group(0)
            if _SAFE_URL.match(_INVISIBLE.sub("", target)) or target.startswith("data:font/")
            else "none"
        )

    return _CSS_URL.sub(url, css)


class _Cleaner(HTMLParser):
    # Elements whose content a browser reads as text, not markup, up to their end tag (the standard
    # library's list is final in its stubs, and shorter before Python 3.14: script and style).
    CDATA_CONTENT_ELEMENTS = (  # type: ignore[misc]
        *("script", "style", "title", "textarea", "xmp"),
        *("iframe", "noembed", "noframes", "noscript", "plaintext"),
    )

    def set_cdata_mode(self, elem: str, *, escapable: bool = False) -> None:
        # As a browser ends such text: at "</name" followed by a space, "/" or ">" (not only "</name>").
        if escapable:  # newer Pythons tell title and textarea apart; older ones take no such argument
            super().set_cdata_mode(elem, escapable=escapable)
        else:
            super().set_cdata_mode(elem)
        self.interesting = re.compile(rf"</{re.escape(elem.lower())}(?=[\t\n\f\r />])", re.IGNORECASE)

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.skipping: list[str] = []  # open elements being removed with their content
        self.in_style = False
        self.elements = 0  # start tags seen so far
        self.policy_at: int | None = (
            None  # where in out the policy goes: right after <head>, when it comes first
        )
        self.doctype_at = 0
        self.foreign = 0  # depth in <svg> or <math>, where a browser reads <style> and <title> as markup

    def _emit(self, text: str) -> None:
        if not self.skipping:
            self.out.append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, closed=False)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, closed=True)

    def _start(self, tag: str, attrs: list[tuple[str, str | None]], closed: bool) -> None:
        self.elements += 1
        if tag in _DROP_WITH_CONTENT:
            if not closed and tag not in ("embed", "frame"):
                self.skipping.append(tag)
            return
        if self.skipping or tag in _DROP_TAG:
            return
        if tag == "meta" and any(k == "http-equiv" for k, _ in attrs):
            return  # refresh, set-cookie, a competing policy: the report sets its own
        kept = [(k, v) for k, v in attrs if self._keep(k, v)]
        # style="…url(…)", and SVG's fill="url(…)", filter, mask, clip-path, marker-start…
        kept = [(k, safe_css(v) if v is not None and "url(" in v.lower() else v) for k, v in kept]
        original = self.get_starttag_text() or ""
        if kept == attrs:
            self.out.append(original)
        else:
            text = "".join(f" {k}" if v is None else f' {k}="{html.escape(v, quote=True)}"' for k, v in kept)
            self.out.append(f"<{tag}{text}{' /' if closed else ''}>")
        if tag == "style" and not closed:
            self.in_style = True
        if tag in ("svg", "math") and not closed:
            self.foreign += 1
        if tag == "head" and self.policy_at is None and self.elements <= 2 and not self.skipping:
            self.policy_at = len(self.out)  # <html><head>: the policy is the head's first element

    @staticmethod
    def _keep(name: str, value: str | None) -> bool:
        if name.startswith("on"):
            return False
        if name == "srcset":  # a list of URLs: its first may be data: and the next remote
            return False
        if name in _URL_ATTRS:
            return value is not None and safe_url(value)
        return True

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            if tag in self.skipping:
                del self.skipping[len(self.skipping) - 1 - self.skipping[::-1].index(tag) :]
            return
        if tag in _DROP_WITH_CONTENT or tag in _DROP_TAG:
            return
        if tag == "style":
            self.in_style = False
        if tag in ("svg", "math") and self.foreign:
            self.foreign -= 1
        self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if self.in_style:
            data = safe_css(data)
        if self.foreign and self.cdata_elem is not None:
            # Text to this parser, markup to a browser inside <svg>: escaped, it is text to both.
            data = html.escape(data, quote=False)
        self._emit(data)

    def handle_entityref(self, name: str) -> None:
        self._emit(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self._emit(f"&#{name};")

    def handle_decl(self, decl: str) -> None:
        self._emit(f"<!{decl}>")
        if self.elements == 0:
            self.doctype_at = len(self.out)

    # Comments (conditional ones included), processing instructions and CDATA sections go.
    def handle_comment(self, data: str) -> None:
        return

    def handle_pi(self, data: str) -> None:
        return

    def unknown_decl(self, data: str) -> None:
        return


_END_TAG_EXTRA = re.compile(r"</([a-zA-Z][^\t\n\f\r />]*)[\t\n\f\r /][^>]*>")


def standalone(document: str) -> str:
    """``document`` cleaned of scripts and references out of it, with the policy that forbids both.

    The policy goes first in the head; when the document does not open with ``<html><head>``, it goes
    first of all (after the doctype), where an HTML parser puts it in the head it starts.
    """
    cleaner = _Cleaner()
    # A browser ignores whatever follows an end tag's name ("</title x>" ends a title); this parser
    # would not end text there, so such end tags are written plainly first.
    cleaner.feed(_END_TAG_EXTRA.sub(r"</\1>", document))
    cleaner.close()
    out = cleaner.out
    at = cleaner.policy_at if cleaner.policy_at is not None else cleaner.doctype_at
    newline = "\n" if cleaner.policy_at is not None else ""
    return "".join([*out[:at], newline, CSP_META, *out[at:]])
