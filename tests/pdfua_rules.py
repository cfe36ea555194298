"""PDF/UA-1 checks for the tests: a strict validator's whole profile, and the structure rules read here.

``strict_failures`` runs page (page-validation), a validator of its own that passes the veraPDF
test corpus, over every rule of its PDF/UA-1 profile. ``structure_problems`` evaluates, with pypdf,
the rules a screen-reader user meets first, each named by the clause of ISO 14289-1 (or the
Matterhorn Protocol checkpoint) it comes from, so a failure says which promise broke.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import pypdf
from pypdf.generic import ArrayObject, ContentStream, DictionaryObject

Element = DictionaryObject
Rule = Callable[[pypdf.PdfReader, list[Element]], list[str]]


def strict_failures(path: Path) -> tuple[list[str], int]:
    """Every failure page's PDF/UA-1 profile finds (rule id and message), and how many rules it evaluated."""
    import page

    report = page.validate_pdf(path, profile="ua1")
    return [f"{f.rule_id}: {f.message}" for f in report.failures], report.rules.total


def _resolve(node: Any) -> Any:
    return node.get_object() if hasattr(node, "get_object") else node


def _kids(node: Element) -> list[Any]:
    kids = _resolve(node.get("/K"))
    if kids is None:
        return []
    return [_resolve(k) for k in (kids if isinstance(kids, list) else [kids])]


def _elements(node: Element) -> Iterator[Element]:
    """Every structure element under ``node``, in reading order (depth first)."""
    for kid in _kids(node):
        if isinstance(kid, DictionaryObject) and "/S" in kid:
            yield kid
            yield from _elements(kid)


def _tags(node: Element) -> list[str]:
    return [str(k["/S"]) for k in _kids(node) if isinstance(k, DictionaryObject) and "/S" in k]


def _marks_content(node: Any) -> bool:
    node = _resolve(node)
    if isinstance(node, int):
        return True
    if isinstance(node, list):
        return any(_marks_content(k) for k in node)
    if isinstance(node, DictionaryObject):
        return node.get("/Type") == "/MCR" or ("/K" in node and _marks_content(node["/K"]))
    return False


def _catalog(reader: pypdf.PdfReader, _: list[Element]) -> list[str]:
    """7.1: marked as tagged, with a structure tree; 7.2: the natural language is set."""
    root = reader.trailer["/Root"]
    out = []
    if not bool(_resolve(root.get("/MarkInfo", {})).get("/Marked")):
        out.append("7.1: /MarkInfo /Marked is not true")
    if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", str(root.get("/Lang", ""))):
        out.append(f"7.2: the document language is {root.get('/Lang')!r}, not a BCP 47 tag")
    return out


def _title(reader: pypdf.PdfReader, _: list[Element]) -> list[str]:
    """7.1: a title in the metadata, shown as the window title."""
    out = []
    xmp = reader.xmp_metadata
    titles = xmp.dc_title if xmp is not None else None
    if not titles or not any(str(t).strip() for t in titles.values()):
        out.append("7.1: no dc:title in the XMP metadata")
    prefs = _resolve(reader.trailer["/Root"].get("/ViewerPreferences", {}))
    if not bool(prefs.get("/DisplayDocTitle")):
        out.append("7.1: /ViewerPreferences /DisplayDocTitle is not true")
    return out


def _headings(_: pypdf.PdfReader, elements: list[Element]) -> list[str]:
    """7.4.2: headings start at H1 and never skip a level; 7.4.4 (Matterhorn 14-001): none is empty."""
    levels = [int(str(e["/S"])[2]) for e in elements if re.fullmatch(r"/H[1-6]", str(e["/S"]))]
    out = [f"7.4.2: a heading skips from H{a} to H{b}" for a, b in pairwise(levels) if b > a + 1]
    if not levels or levels[0] != 1:
        out.append(f"7.4.2: the first heading is {f'H{levels[0]}' if levels else 'missing'}, not H1")
    out += [
        f"14-001: an empty {e['/S']}"
        for e in elements
        if str(e["/S"]).startswith("/H") and not _marks_content(e)
    ]
    return out


def _figures(_: pypdf.PdfReader, elements: list[Element]) -> list[str]:
    """7.3: every figure has alternative text (here: a sentence, for a screen reader reads it as one)."""
    out = []
    for e in elements:
        if e["/S"] != "/Figure":
            continue
        alt = str(e.get("/Alt", "")).strip()
        if not alt:
            out.append("7.3: a Figure without /Alt")
        elif not (alt[0].isupper() and alt.endswith(".")):
            out.append(f"7.3: a Figure's /Alt is not a sentence: {alt[:60]!r}")
    return out


def _tables(_: pypdf.PdfReader, elements: list[Element]) -> list[str]:
    """7.5: tables are Table > (THead|TBody|TFoot)? > TR > (TH|TD), with header cells and their scope."""
    out = []
    for e in elements:
        tag = str(e["/S"])
        if tag == "/Table":
            rows = [k for k in _elements(e) if k["/S"] == "/TR"]
            if not any(c["/S"] == "/TH" for r in rows for c in _elements(r)):
                out.append("7.5: a Table without a header cell (TH)")
            bad = [t for t in _tags(e) if t not in ("/THead", "/TBody", "/TFoot", "/TR", "/Caption")]
            out += [f"7.5: a Table holds {t}" for t in bad]
        elif tag in ("/THead", "/TBody", "/TFoot"):
            out += [f"7.5: a {tag[1:]} holds {t}" for t in _tags(e) if t != "/TR"]
        elif tag == "/TR":
            out += [f"7.5: a TR holds {t}" for t in _tags(e) if t not in ("/TH", "/TD")]
        elif tag == "/TH":
            scope = (
                _resolve(e.get("/A", {})).get("/Scope") if isinstance(_resolve(e.get("/A")), dict) else None
            )
            if scope not in ("/Column", "/Row", "/Both"):
                out.append("7.5: a TH without /Scope")
    return out


def _lists(_: pypdf.PdfReader, elements: list[Element]) -> list[str]:
    """7.6: lists are L > LI > (Lbl|LBody)."""
    out = []
    for e in elements:
        if e["/S"] == "/L":
            out += [f"7.6: an L holds {t}" for t in _tags(e) if t not in ("/LI", "/L", "/Caption")]
        elif e["/S"] == "/LI":
            out += [f"7.6: an LI holds {t}" for t in _tags(e) if t not in ("/Lbl", "/LBody")]
    return out


def _annotations(reader: pypdf.PdfReader, _: list[Element]) -> list[str]:
    """7.18.1: every annotation but popups is tagged (has /StructParent); 7.18.3: pages with
    annotations are tabbed in structure order; 7.18.4: every widget has a spoken name (its field's /TU)."""
    out = []
    for number, page in enumerate(reader.pages, 1):
        annots = [_resolve(a) for a in _resolve(page.get("/Annots", ArrayObject()))]
        if annots and page.get("/Tabs") != "/S":
            out.append(f"7.18.3: page {number} has annotations but /Tabs is not /S")
        for annot in annots:
            if annot.get("/Subtype") == "/Popup":
                continue
            if "/StructParent" not in annot:
                out.append(f"7.18.1: an untagged {annot.get('/Subtype')} annotation on page {number}")
            if annot.get("/Subtype") == "/Widget":
                field = _resolve(annot.get("/Parent")) if "/Parent" in annot and "/T" not in annot else annot
                if not str(field.get("/TU", "")).strip():
                    out.append(f"7.18.4: a form field without /TU on page {number}")
    return out


_SHOWS_TEXT = {b"Tj", b"TJ", b"'", b'"'}
_PAINTS = {b"f", b"F", b"f*", b"S", b"s", b"B", b"B*", b"b", b"b*", b"Do", b"sh"}


def _content(reader: pypdf.PdfReader, _: list[Element]) -> list[str]:
    """7.1 (Matterhorn 01-005): nothing drawn outside marked content: every text run and painted path
    or image of a page's content is real content (a BDC with an MCID) or an artifact."""
    out = []
    for number, page in enumerate(reader.pages, 1):
        contents = page.get_contents()
        if contents is None:
            continue
        depth = 0
        loose: set[str] = set()
        for _operands, operator in ContentStream(contents, reader).operations:
            if operator in (b"BDC", b"BMC"):
                depth += 1
            elif operator == b"EMC":
                depth -= 1
            elif depth == 0 and (operator in _SHOWS_TEXT or operator in _PAINTS):
                loose.add(operator.decode())
        if loose:
            out.append(f"01-005: page {number} draws outside marked content ({', '.join(sorted(loose))})")
    return out


# 20 checks in all: each message above names the clause it enforces.
RULES: tuple[Rule, ...] = (_catalog, _title, _headings, _figures, _tables, _lists, _annotations, _content)


def structure_problems(path: Path) -> list[str]:
    """Every problem the rules above find in the PDF at ``path``; [] when it passes them all."""
    reader = pypdf.PdfReader(path)
    elements = list(_elements(reader.trailer["/Root"]["/StructTreeRoot"].get_object()))
    return [problem for rule in RULES for problem in rule(reader, elements)]
