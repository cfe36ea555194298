"""Hand-built SVG charts for the PDF report: small frozen inputs in, SVG plus alt text out."""

# We draw SVG by hand rather than with matplotlib: measured, matplotlib cost ~0.5 s to import
# and +15% render time per report. The SVG stays deliberately plain for WeasyPrint: no CSS,
# no foreignObject, no external references, presentation attributes only. Labels come from
# untrusted instrument files, so every piece of text goes through _esc; attributes only ever
# hold numbers, colours and ids computed here.
#
# At the default widths one viewBox unit is 0.25 mm, so a font-size of 12 prints at 8.5 pt.
# Greyscale print must still tell series apart: each look pairs a colour with a dash, a marker
# shape and (for bars) a hatching.

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from xml.sax.saxutils import escape

from leadcheck.base import text as txt

__all__ = [
    "BarRow",
    "Chart",
    "Series",
    "Style",
    "distribution_bar",
    "distribution_key",
    "group_bar_chart",
    "heatmap",
    "radar_chart",
    "strip_chart",
]

Style = Literal["self", "others", "group"]
_STYLES = ("self", "others", "group")

# --------------------------------------------------------------------------- public data


@dataclass(frozen=True)
class Chart:
    """A finished chart: a complete <svg> element and a text alternative stating every number."""

    title: str
    alt: str
    svg: str

    def __html__(self) -> str:
        """The SVG, marked safe for Jinja/MarkupSafe: ``{{ chart }}`` inlines it unescaped."""
        return self.svg


@dataclass(frozen=True)
class Series:
    """One line on a radar chart: a value (or None when not shown) per axis."""

    label: str
    values: Sequence[float | None]
    style: Style


@dataclass(frozen=True)
class BarRow:
    """One bar: a rater group's rating (None when not shown), with its number of raters."""

    label: str
    value: float | None
    n: int | None = None
    style: Style = "group"
    interval: tuple[float, float] | None = None  # 95% confidence interval, drawn as a whisker


# --------------------------------------------------------------------------- palette and looks

NAVY = "#1f3a5f"
ORANGE = "#d9822b"
TEAL = "#2b8a84"
INK = "#222222"
MUTED = "#5f6670"
GRID = "#d3d7dc"
_LIGHT = "#eef2f7"  # the low end of the sequential palette (high end is NAVY)


@dataclass(frozen=True)
class _Look:
    """How one series is told apart without colour: line dash, marker shape and bar fill."""

    key: str
    colour: str
    edge: str
    dash: str | None  # stroke-dasharray of lines; None is solid
    marker: Literal["square", "circle", "triangle", "diamond", "triangle_down"]
    hatch: int | None  # angle of the bar's hatching in degrees; None is a solid fill
    tint: str  # background of a hatched bar
    cross: bool = False  # a second set of lines at right angles (cross-hatching)


_SELF = _Look("self", ORANGE, "#a65f1b", None, "square", None, "")
_OTHERS = _Look("others", NAVY, NAVY, "7 4", "circle", None, "")
# Rater groups take these in order: five distinct hatchings (/, \, |, -, crossed), so the four
# default groups and the combined group all differ in greyscale print. A sixth group and more
# cycle (their bars are labelled, so they still read).
_GROUPS = (
    _Look("group0", TEAL, TEAL, "2 3", "triangle", 45, "#dceeec"),
    _Look("group1", "#55606e", "#55606e", "9 3 2 3", "diamond", -45, "#e6e8eb"),
    _Look("group2", "#7b838d", "#6a727c", "13 4", "triangle_down", 0, "#f0f1f2"),
    _Look("group3", "#3d4650", "#3d4650", "4 2", "triangle", 90, "#f4f5f6"),
    _Look("group4", "#6b5b3e", "#6b5b3e", "1 2", "diamond", 45, "#f3efe6", cross=True),
)

# The report stylesheet's font chain, so that labels in every script print as text.
FONT_FAMILY = "DejaVu Sans, Noto Sans, Noto Sans CJK SC, Noto Sans Arabic, Noto Sans Hebrew, sans-serif"

# Text is measured by estimate: glyph widths in em, rounded up from DejaVu Sans, the widest
# common "sans-serif" (and the one WeasyPrint picks on most Linux machines). Narrower fonts
# (Liberation, Arial, Helvetica) only leave more room.
_EM_CLASSES = (
    ("'ijlIJ,.:;|!/\\ ", 0.34),
    ('ft()[]-r"*`_{}', 0.48),
    ("sczvxyk?LFPTY", 0.6),
    ("ABCEKRSVXZ", 0.7),
    ("DGHNOQU&", 0.79),
    ("mwMW@%#+<=>^~", 1.0),
)
_EM = {char: em for chars, em in _EM_CLASSES for char in chars}
_EM_DEFAULT = 0.64  # other letters and digits
_BOLD = 1.12  # DejaVu Sans Bold is about a ninth wider
_ASCENT = 0.78  # baseline offset of a line whose top edge is known, in em
_EDGE = 6.0  # blank margin inside the viewBox

_INVALID_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_LENGTH = re.compile(r"(\d+(?:\.\d+)?|\.\d+)(mm|cm|in|pt|pc|px|em|rem|q)?")

# --------------------------------------------------------------------------- small helpers


def _clean(text: str) -> str:
    """``text`` with characters XML 1.0 cannot carry (even escaped) replaced by U+FFFD."""
    return _INVALID_XML.sub("\ufffd", str(text))


def _esc(text: str) -> str:
    return escape(_clean(text))


def _n(number: float) -> str:
    """A coordinate: at most two decimals, no trailing zeros, never ``-0``."""
    text = f"{number:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _fmt(value: float) -> str:
    """A rating as printed on charts and in alt text: one decimal (ASCII minus: SVG text and alt)."""
    return txt.score(value, 1, plain=True)


def _shown(value: float | None) -> str:
    return "not shown" if value is None else _fmt(value)


def _em(char: str) -> float:
    if char in _EM:
        return _EM[char]
    if char.isascii():
        return _EM_DEFAULT
    if unicodedata.combining(char):
        return 0.0
    return 1.0 if unicodedata.east_asian_width(char) in ("W", "F") else 0.72


def _text_width(text: str, size: float, *, bold: bool = False) -> float:
    """Estimated advance of ``text`` at ``size`` (never less than the real one, we hope)."""
    return sum(_em(char) for char in text) * size * (_BOLD if bold else 1.0)


def _join(names: Sequence[str]) -> str:
    """``A``, ``A and B``, ``A, B and C``."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _wrap(text: str, max_width: float, size: float, max_lines: int, *, bold: bool = False) -> list[str]:
    """Break ``text`` at spaces into lines no wider than ``max_width``; cut with an ellipsis."""

    def fits(line: str) -> bool:
        return _text_width(line, size, bold=bold) <= max_width

    pieces: list[str] = []
    for word in text.split():
        while not fits(word):
            # An over-long word breaks after a hyphen when it has one in reach, else anywhere.
            reach = 1
            while reach < len(word) and fits(word[: reach + 1] + "-"):
                reach += 1
            cut = word.rfind("-", 0, reach) + 1
            pieces.append(word[:cut] if cut else word[:reach] + "-")
            word = word[cut or reach :]
        if word:
            pieces.append(word)
    lines: list[str] = []
    for piece in pieces:
        if lines and fits(lines[-1] + " " + piece):
            lines[-1] += " " + piece
        else:
            lines.append(piece)
    if not lines:
        return [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = _ellipsize(lines[-1], max_width, size, bold=bold)
    return lines


def _ellipsize(line: str, max_width: float, size: float, *, bold: bool = False) -> str:
    """``line`` shortened until it and a closing ellipsis fit in ``max_width``."""
    while line and _text_width(line + "…", size, bold=bold) > max_width:
        line = line[:-1]
    return line.rstrip() + "…"


def _truncate(text: str, max_width: float, size: float, *, bold: bool = False) -> str:
    """``text`` on one line no wider than ``max_width``, cut with an ellipsis."""
    line = " ".join(text.split())
    if _text_width(line, size, bold=bold) <= max_width:
        return line
    return _ellipsize(line, max_width, size, bold=bold)


def _ticks(low: int, high: int) -> list[int]:
    """Scale points to label: every point, or every 2nd/5th/10th… when there are many."""
    candidates = (base * 10**power for power in range(12) for base in (1, 2, 5))
    step = next(c for c in candidates if (high - low) / c <= 10)
    first = math.ceil(low / step) * step
    return list(range(first, high + 1, step))


def _mix(low: str, high: str, t: float) -> str:
    """The colour ``t`` of the way from ``low`` to ``high`` (both ``#rrggbb``)."""
    a = [int(low[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(high[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b, strict=True))


def _is_dark(colour: str) -> bool:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    # Below this luminance white text reads better than dark ink (about 4.5:1 either way).
    return 0.299 * r + 0.587 * g + 0.114 * b < 118


def _check_scale(scale_min: int, scale_max: int) -> None:
    if isinstance(scale_min, bool) or not isinstance(scale_min, int):
        raise ValueError(f"scale_min must be an integer, got {scale_min!r}")
    if isinstance(scale_max, bool) or not isinstance(scale_max, int):
        raise ValueError(f"scale_max must be an integer, got {scale_max!r}")
    if scale_min >= scale_max:
        raise ValueError(f"scale_min ({scale_min}) must be below scale_max ({scale_max})")


def _check_value(value: float | None, scale_min: int, scale_max: int, what: str) -> None:
    if value is None:
        return
    number = float(value)
    if not math.isfinite(number) or not scale_min <= number <= scale_max:
        raise ValueError(f"{what} must be a number from {scale_min} to {scale_max}, got {value!r}")


def _check_style(style: str, what: str) -> None:
    if style not in _STYLES:
        raise ValueError(f"{what} style must be one of {', '.join(_STYLES)}, got {style!r}")


def _looks(styles: Sequence[str]) -> list[_Look]:
    """A look per series; rater groups take the group looks in order of appearance."""
    looks: list[_Look] = []
    groups = 0
    for style in styles:
        if style == "self":
            looks.append(_SELF)
        elif style == "others":
            looks.append(_OTHERS)
        else:
            looks.append(_GROUPS[groups % len(_GROUPS)])
            groups += 1
    return looks


# --------------------------------------------------------------------------- SVG building


def _uid(kind: str, title: str, alt: str) -> str:
    """A deterministic id prefix, so ids differ between charts embedded in one HTML page."""
    digest = hashlib.sha256(f"{kind}\0{title}\0{alt}".encode()).hexdigest()[:10]
    return f"lc-{kind}-{digest}"


def _text(
    x: float,
    y: float,
    content: str,
    size: float,
    *,
    anchor: str = "start",
    fill: str = INK,
    bold: bool = False,
    italic: bool = False,
) -> str:
    attrs = f'x="{_n(x)}" y="{_n(y)}" font-size="{_n(size)}"'
    if anchor != "start":
        attrs += f' text-anchor="{anchor}"'
    if fill != INK:
        attrs += f' fill="{fill}"'
    if bold:
        attrs += ' font-weight="bold"'
    if italic:
        attrs += ' font-style="italic"'
    return f"<text {attrs}>{_esc(content)}</text>"


def _rect(x: float, y: float, w: float, h: float, fill: str, stroke: str | None = None, sw: float = 1) -> str:
    extra = f' stroke="{stroke}" stroke-width="{_n(sw)}"' if stroke else ""
    return (
        f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(max(w, 0))}" height="{_n(max(h, 0))}"'
        f' fill="{fill}"{extra}/>'
    )


def _line(x1: float, y1: float, x2: float, y2: float, stroke: str, sw: float = 1) -> str:
    return (
        f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}"'
        f' stroke="{stroke}" stroke-width="{_n(sw)}"/>'
    )


def _points(points: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{_n(x)},{_n(y)}" for x, y in points)


def _marker(look: _Look, x: float, y: float) -> str:
    if look.marker == "square":
        return _rect(x - 4, y - 4, 8, 8, look.colour, "#ffffff", 0.8)
    if look.marker == "circle":
        return (
            f'<circle cx="{_n(x)}" cy="{_n(y)}" r="4.5" fill="{look.colour}"'
            ' stroke="#ffffff" stroke-width="0.8"/>'
        )
    shape = {
        "triangle": ((0, -5.5), (5, 3.5), (-5, 3.5)),
        "triangle_down": ((0, 5.5), (5, -3.5), (-5, -3.5)),
        "diamond": ((0, -5.5), (5, 0), (0, 5.5), (-5, 0)),
    }[look.marker]
    return (
        f'<polygon points="{_points([(x + dx, y + dy) for dx, dy in shape])}" fill="#ffffff"'
        f' stroke="{look.colour}" stroke-width="1.6"/>'
    )


def _line_attrs(look: _Look, width: float = 2) -> str:
    dash = f' stroke-dasharray="{look.dash}"' if look.dash else ""
    return f'fill="none" stroke="{look.colour}" stroke-width="{_n(width)}"{dash} stroke-linejoin="round"'


def _bar_fill(look: _Look, uid: str) -> str:
    return look.colour if look.hatch is None else f"url(#{uid}-{look.key})"


def _hatch_defs(looks: Sequence[_Look], uid: str) -> list[str]:
    defs: list[str] = []
    for look in dict.fromkeys(looks):
        if look.hatch is None:
            continue
        defs.append(
            f'<pattern id="{uid}-{look.key}" patternUnits="userSpaceOnUse" width="6" height="6"'
            f' patternTransform="rotate({look.hatch})">'
            f'<rect x="0" y="0" width="6" height="6" fill="{look.tint}"/>'
            f'<line x1="1.5" y1="0" x2="1.5" y2="6" stroke="{look.colour}" stroke-width="2.2"/>'
            + (
                f'<line x1="0" y1="4.5" x2="6" y2="4.5" stroke="{look.colour}" stroke-width="1.4"/>'
                if look.cross
                else ""
            )
            + "</pattern>"
        )
    return defs


def _sentence(text: str) -> str:
    """A chart's title as a screen reader says it (and a PDF's figure /Alt holds it): a sentence."""
    text = text.strip()
    return text if not text or text.endswith((".", "!", "?")) else text + "."


def _svg(
    uid: str,
    title: str,
    alt: str,
    width: str,
    size: tuple[float, float],
    body: Sequence[str],
    defs: Sequence[str] = (),
) -> str:
    match = _LENGTH.fullmatch(width.strip())
    if match is None or float(match.group(1)) <= 0:
        raise ValueError(f"width must be a positive CSS length such as '160mm', got {width!r}")
    number, unit = float(match.group(1)), match.group(2) or ""
    view_w, view_h = size
    height = _n(number * view_h / view_w) + unit
    defs_block = f"<defs>{''.join(defs)}</defs>" if defs else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_n(view_w)} {_n(view_h)}"'
        f' width="{_n(number)}{unit}" height="{height}" role="img"'
        f' aria-labelledby="{uid}-title {uid}-desc" font-family="{FONT_FAMILY}">'
        f'<title id="{uid}-title">{_esc(_sentence(title))}</title>'
        f'<desc id="{uid}-desc">{_esc(alt)}</desc>'
        f"{defs_block}{''.join(body)}</svg>"
    )


# --------------------------------------------------------------------------- horizontal bars

_BAR_W = 640.0
_BAR_LABEL_X = 172.0  # right edge of row labels
_BAR_X0 = 180.0
_BAR_X1 = 560.0
_BAR_ROW = 28.0
_BAR_HEIGHT = 15.0
_BAR_HEADING = 22.0
# 14 units print at 7.3 pt at the 118 mm a report draws bar charts: no chart text under 7 pt.
_BAR_FONT = 14.0


@dataclass(frozen=True)
class _Bar:
    label: str
    value: float | None
    look: _Look
    n: int | None = None
    interval: tuple[float, float] | None = None


def _bar_label(label: str, n: int | None) -> str:
    return label if n is None else f"{label} (n={n})"


def _label_lines(label: str, n: int | None) -> list[str]:
    """A row label on up to two lines; a long label is cut so that its "(n=…)" stays visible."""
    room = _BAR_LABEL_X - _EDGE
    lines = _wrap(label, room, _BAR_FONT, 2)
    if n is None:
        return lines
    suffix = f"(n={n})"
    if _text_width(f"{lines[-1]} {suffix}", _BAR_FONT) <= room:
        lines[-1] += " " + suffix
    elif len(lines) < 2:
        lines.append(suffix)
    else:
        room_left = room - _text_width(" " + suffix, _BAR_FONT)
        lines[-1] = _ellipsize(lines[-1].rstrip("…"), room_left, _BAR_FONT) + " " + suffix
    return lines


def _hbars(
    sections: Sequence[tuple[str | None, Sequence[_Bar]]],
    scale_min: int,
    scale_max: int,
    uid: str,
) -> tuple[list[str], list[str], float]:
    """Rows of horizontal bars with an axis below; returns body, defs and the viewBox height."""
    span = scale_max - scale_min

    def x_of(value: float) -> float:
        return _BAR_X0 + (value - scale_min) / span * (_BAR_X1 - _BAR_X0)

    rows: list[str] = []
    looks: list[_Look] = []
    y = _EDGE
    for heading, bars in sections:
        if heading is not None:
            line = _truncate(heading, _BAR_W - 2 * _EDGE, _BAR_FONT, bold=True)
            rows.append(_text(_EDGE, y + 16, line, _BAR_FONT, bold=True))
            y += _BAR_HEADING
        for bar in bars:
            middle = y + _BAR_ROW / 2
            lines = _label_lines(bar.label, bar.n)
            first = middle + _BAR_FONT * 0.35 - (len(lines) - 1) * 7
            for i, text in enumerate(lines):
                rows.append(_text(_BAR_LABEL_X, first + i * 14, text, _BAR_FONT, anchor="end"))
            if bar.value is None:
                rows.append(_text(_BAR_X0 + 6, middle + 4, "not shown", _BAR_FONT, fill=MUTED, italic=True))
            else:
                end = x_of(bar.value)
                looks.append(bar.look)
                rows.append(
                    _rect(
                        _BAR_X0,
                        middle - _BAR_HEIGHT / 2,
                        end - _BAR_X0,
                        _BAR_HEIGHT,
                        _bar_fill(bar.look, uid),
                        bar.look.edge,
                    )
                )
                label_x = end + 5
                if bar.interval is not None:
                    lo = x_of(max(scale_min, bar.interval[0]))
                    hi = x_of(min(scale_max, bar.interval[1]))
                    rows.append(_line(lo, middle, hi, middle, INK, 1.4))
                    for x in (lo, hi):
                        rows.append(_line(x, middle - 5, x, middle + 5, INK, 1.4))
                    label_x = max(label_x, hi + 5)
                rows.append(_text(label_x, middle + 4.2, _fmt(bar.value), _BAR_FONT, bold=True))
            y += _BAR_ROW
    axis_y = y + 2
    grid: list[str] = []
    for tick in _ticks(scale_min, scale_max):
        x = x_of(tick)
        grid.append(_line(x, _EDGE, x, axis_y, GRID, 0.8))
        grid.append(_text(x, axis_y + 15, str(tick), _BAR_FONT, anchor="middle", fill=MUTED))
    grid.append(_line(_BAR_X0, _EDGE, _BAR_X0, axis_y, MUTED, 1))
    grid.append(_line(_BAR_X0, axis_y, _BAR_X1, axis_y, MUTED, 1))
    return grid + rows, _hatch_defs(looks, uid), axis_y + 20


def group_bar_chart(
    rows: Sequence[BarRow],
    scale_min: int,
    scale_max: int,
    width: str = "160mm",
    *,
    title: str = "Ratings by rater group",
    subject: str = "rater group",
) -> Chart:
    """Horizontal bars, one per rater group (or other ``subject``), each with its value at the bar's end."""
    _check_scale(scale_min, scale_max)
    if not rows:
        raise ValueError("group_bar_chart needs at least one row")
    for i, row in enumerate(rows):
        _check_style(row.style, f"row {i}")
        _check_value(row.value, scale_min, scale_max, f"row {i} ({row.label!r}) value")
    labels = [_bar_label(row.label, row.n) for row in rows]

    def said(row: BarRow) -> str:
        if row.interval is None or row.value is None:
            return _shown(row.value)
        return f"{_shown(row.value)} (95% interval {txt.score(row.interval[0], plain=True)} to {txt.score(row.interval[1], plain=True)})"

    alt = (
        f"Bar chart of ratings by {subject} on a scale of {scale_min} to {scale_max}. "
        + "; ".join(f"{label}: {said(row)}" for label, row in zip(labels, rows, strict=True))
        + "."
    )
    uid = _uid("bars", title, alt)
    looks = _looks([row.style for row in rows])
    bars = [
        _Bar(row.label, row.value, look, row.n, row.interval) for row, look in zip(rows, looks, strict=True)
    ]
    body, defs, height = _hbars([(None, bars)], scale_min, scale_max, uid)
    return Chart(title, alt, _svg(uid, title, alt, width, (_BAR_W, height), body, defs))


# --------------------------------------------------------------------------- radar

_RADAR_W = 640.0
_RADAR_FONT = 12.0
_RADAR_LINE = 14.0
_RADAR_LABEL_W = 132.0  # about 16 characters
_RADAR_GAP = 10.0  # between the outer ring and an axis label
_RADAR_R_MAX = 180.0
_RADAR_R_MIN = 100.0
_RADAR_HOLE = 0.12  # the lowest scale point is a small ring, not the centre point
_LEGEND_FONT = 12.0
_LEGEND_ROW = 20.0
_LEGEND_SAMPLE = 28.0


def _legend(entries: Sequence[tuple[str, _Look]], top: float, view_w: float) -> tuple[list[str], float]:
    """Legend items (line sample, marker, label) flowed into centred rows; returns the bottom."""
    items: list[tuple[str, _Look, float]] = []
    for label, look in entries:
        text = _truncate(label, 240, _LEGEND_FONT)
        items.append((text, look, _LEGEND_SAMPLE + 6 + _text_width(text, _LEGEND_FONT)))
    rows: list[list[tuple[str, _Look, float]]] = [[]]
    spacing = 22.0
    for item in items:
        used = sum(w for _, _, w in rows[-1]) + spacing * len(rows[-1])
        if rows[-1] and used + item[2] > view_w - 2 * _EDGE:
            rows.append([])
        rows[-1].append(item)
    out: list[str] = []
    y = top
    for row in rows:
        total = sum(w for _, _, w in row) + spacing * (len(row) - 1)
        x = max(_EDGE, (view_w - total) / 2)
        middle = y + _LEGEND_ROW / 2
        for text, look, w in row:
            out.append(
                f'<line x1="{_n(x)}" y1="{_n(middle)}" x2="{_n(x + _LEGEND_SAMPLE)}"'
                f' y2="{_n(middle)}" {_line_attrs(look)}/>'
            )
            out.append(_marker(look, x + _LEGEND_SAMPLE / 2, middle))
            out.append(_text(x + _LEGEND_SAMPLE + 6, middle + 4.2, text, _LEGEND_FONT))
            x += w + spacing
        y += _LEGEND_ROW
    return out, y


def radar_chart(
    axes: Sequence[str],
    series: Sequence[Series],
    scale_min: int,
    scale_max: int,
    width: str = "160mm",
    *,
    title: str = "Ratings by competency",
) -> Chart:
    """A radar (spider) chart of 3 to 12 axes; 1 or 2 axes fall back to grouped bars."""
    _check_radar(axes, series, scale_min, scale_max)
    names = _join([s.label for s in series])
    scale = f"on a scale of {scale_min} to {scale_max}"
    per_axis = "; ".join(
        f"{axis}: " + ", ".join(f"{s.label} {_shown(s.values[i])}" for s in series)
        for i, axis in enumerate(axes)
    )
    looks = _looks([s.style for s in series])
    if len(axes) < 3:
        alt = f"Bar chart of ratings by {names} {scale}. {per_axis}."
        uid = _uid("radar", title, alt)
        sections = [
            (axis, [_Bar(s.label, s.values[i], look) for s, look in zip(series, looks, strict=True)])
            for i, axis in enumerate(axes)
        ]
        bars, defs, height = _hbars(sections, scale_min, scale_max, uid)
        return Chart(title, alt, _svg(uid, title, alt, width, (_BAR_W, height), bars, defs))

    alt = f"Radar chart of ratings by {names} {scale}. {per_axis}."
    uid = _uid("radar", title, alt)
    layout = _RadarLayout.of(axes, scale_min, scale_max)
    body = _radar_grid(layout)
    # Rater groups first, then others, then self on top.
    order = sorted(range(len(series)), key=lambda k: ("group", "others", "self").index(series[k].style))
    for k in order:
        values, look = series[k].values, looks[k]
        present = [None if v is None else layout.point(i, v) for i, v in enumerate(values)]
        body.extend(_radar_lines(present, look))
        body.extend(_marker(look, *p) for p in present if p is not None)

    legend, bottom = _legend(
        [(s.label, look) for s, look in zip(series, looks, strict=True)],
        layout.centre_y + layout.extent_bottom + 14,
        _RADAR_W,
    )
    body.extend(legend)
    size = (_RADAR_W, bottom + _EDGE)
    return Chart(title, alt, _svg(uid, title, alt, width, size, body))


def _check_radar(axes: Sequence[str], series: Sequence[Series], scale_min: int, scale_max: int) -> None:
    _check_scale(scale_min, scale_max)
    if not 1 <= len(axes) <= 12:
        raise ValueError(f"radar_chart needs 1 to 12 axes, got {len(axes)}")
    if not series:
        raise ValueError("radar_chart needs at least one series")
    for s in series:
        _check_style(s.style, f"series {s.label!r}")
        if len(s.values) != len(axes):
            raise ValueError(f"series {s.label!r} has {len(s.values)} values for {len(axes)} axes")
        for axis, value in zip(axes, s.values, strict=True):
            _check_value(value, scale_min, scale_max, f"series {s.label!r} value for {axis!r}")


@dataclass(frozen=True)
class _RadarLayout:
    """Where a radar chart's axes, labels and rings go."""

    scale_min: int
    scale_max: int
    angles: list[float]
    blocks: list[list[str]]  # each axis label, wrapped
    anchors: list[str]  # text-anchor of each label
    tops: list[float]  # top of each label block, from the centre
    radius: float
    centre_x: float
    centre_y: float
    extent_bottom: float

    @classmethod
    def of(cls, axes: Sequence[str], scale_min: int, scale_max: int) -> _RadarLayout:
        n = len(axes)
        angles = [-math.pi / 2 + 2 * math.pi * i / n for i in range(n)]
        blocks = [_wrap(axis, _RADAR_LABEL_W, _RADAR_FONT, 3, bold=True) for axis in axes]
        centre_x = _RADAR_W / 2

        # The radius is as large as the widest label at each angle lets it be.
        anchors: list[str] = []
        limits = [_RADAR_R_MAX]
        for angle, lines in zip(angles, blocks, strict=True):
            cos = math.cos(angle)
            label_w = max(_text_width(line, _RADAR_FONT, bold=True) for line in lines)
            if abs(cos) < 0.2:
                anchors.append("middle")
                room = centre_x - _EDGE - label_w / 2
            else:
                anchors.append("start" if cos > 0 else "end")
                room = centre_x - _EDGE - label_w
            if abs(cos) > 1e-9:
                limits.append(room / abs(cos) - _RADAR_GAP)
        radius = max(_RADAR_R_MIN, min(limits))

        # Label blocks sit above, below or beside their anchor point so they never cover the plot.
        tops: list[float] = []
        extent_top = min(radius * math.sin(angle) for angle in angles)
        extent_bottom = max(radius * math.sin(angle) for angle in angles)
        for angle, lines in zip(angles, blocks, strict=True):
            sin = math.sin(angle)
            anchor_y = (radius + _RADAR_GAP) * sin
            block_h = (len(lines) - 1) * _RADAR_LINE + _RADAR_FONT
            if sin < -0.2:
                top = anchor_y - block_h
            elif sin > 0.2:
                top = anchor_y + 2
            else:
                top = anchor_y - block_h / 2
            tops.append(top)
            extent_top = min(extent_top, top)
            extent_bottom = max(extent_bottom, top + block_h + 0.25 * _RADAR_FONT)
        centre_y = _EDGE + 4 - extent_top
        return cls(
            scale_min, scale_max, angles, blocks, anchors, tops, radius, centre_x, centre_y, extent_bottom
        )

    def point(self, i: int, value: float) -> tuple[float, float]:
        """Where ``value`` sits on axis ``i``."""
        span = self.scale_max - self.scale_min
        r = self.radius * (_RADAR_HOLE + (1 - _RADAR_HOLE) * (value - self.scale_min) / span)
        return self.centre_x + r * math.cos(self.angles[i]), self.centre_y + r * math.sin(self.angles[i])


def _radar_grid(layout: _RadarLayout) -> list[str]:
    """Rings, spokes, ring values and axis labels."""
    n = len(layout.angles)
    centre_x, centre_y = layout.centre_x, layout.centre_y
    body: list[str] = []
    ticks = _ticks(layout.scale_min, layout.scale_max)
    for tick in sorted({layout.scale_min, *ticks, layout.scale_max}):
        ring = [layout.point(i, tick) for i in range(n)]
        colour = MUTED if tick in (layout.scale_min, layout.scale_max) else GRID
        body.append(f'<polygon points="{_points(ring)}" fill="none" stroke="{colour}" stroke-width="0.8"/>')
    for i in range(n):
        x, y = layout.point(i, layout.scale_max)
        body.append(_line(centre_x, centre_y, x, y, GRID, 0.8))
    # Ring values sit on the edge between the last axis and the first, where no marker can be,
    # on a white patch that breaks the ring line like a contour label.
    for tick in ticks:
        (x_a, y_a), (x_b, y_b) = layout.point(n - 1, tick), layout.point(0, tick)
        x, y = (x_a + x_b) / 2, (y_a + y_b) / 2
        if math.hypot(x - centre_x, y - centre_y) < 8:
            continue
        label = str(tick)
        patch_w = _text_width(label, 12) + 2
        body.append(_rect(x - patch_w / 2, y - 6.5, patch_w, 13, "#ffffff"))
        body.append(_text(x, y + 3.5, label, 12, anchor="middle", fill=MUTED))
    for i, (lines, top) in enumerate(zip(layout.blocks, layout.tops, strict=True)):
        x = centre_x + (layout.radius + _RADAR_GAP) * math.cos(layout.angles[i])
        for j, line in enumerate(lines):
            baseline = centre_y + top + _RADAR_FONT * _ASCENT + j * _RADAR_LINE
            body.append(_text(x, baseline, line, _RADAR_FONT, anchor=layout.anchors[i], bold=True))
    return body


def _radar_lines(present: Sequence[tuple[float, float] | None], look: _Look) -> list[str]:
    """A closed polygon when every value is there; else the runs between missing values."""
    if all(p is not None for p in present):
        points = [p for p in present if p is not None]
        return [f'<polygon points="{_points(points)}" {_line_attrs(look)}/>']
    n = len(present)
    start = present.index(None)
    runs: list[list[tuple[float, float]]] = [[]]
    for step in range(1, n + 1):
        p = present[(start + step) % n]
        if p is None:
            runs.append([])
        else:
            runs[-1].append(p)
    return [f'<polyline points="{_points(run)}" {_line_attrs(look)}/>' for run in runs if len(run) > 1]


# --------------------------------------------------------------------------- distribution

# Drawn in a 26 mm table cell: 10 units print at 7.4 pt.
_DIST_W = 100.0
_DIST_H = 14.0
_DIST_FONT = 10.0
_DIST_LOW = "#dfe6ee"


def distribution_bar(
    counts: Sequence[int],
    labels: Sequence[str],
    width: str = "40mm",
    *,
    title: str = "Distribution of ratings",
) -> Chart:
    """A 100% stacked bar of how many raters chose each scale point, darker for higher points."""
    if len(counts) != len(labels):
        raise ValueError(f"distribution_bar got {len(counts)} counts for {len(labels)} labels")
    if not counts:
        raise ValueError("distribution_bar needs at least one scale point")
    for label, count in zip(labels, counts, strict=True):
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"count for {label!r} must be a whole number >= 0, got {count!r}")
    total = sum(counts)
    x0, x1, y0, y1 = 1.0, _DIST_W - 1, 1.0, _DIST_H - 1
    if total == 0:
        alt = "no ratings"
        uid = _uid("dist", title, alt)
        outline = [_rect(x0, y0, x1 - x0, y1 - y0, "none", MUTED, 1)]
        return Chart(title, alt, _svg(uid, title, alt, width, (_DIST_W, _DIST_H), outline))

    alt = (
        f"Distribution of {txt.count(total, 'rating')}: "
        + ", ".join(f"{label} {count}" for label, count in zip(labels, counts, strict=True))
        + "."
    )
    uid = _uid("dist", title, alt)
    body: list[str] = []
    x = x0
    steps = max(len(counts) - 1, 1)
    for i, count in enumerate(counts):
        if count == 0:
            continue
        segment = (x1 - x0) * count / total
        colour = _mix(_DIST_LOW, NAVY, i / steps)
        body.append(_rect(x, y0, segment, y1 - y0, colour, "#ffffff", 0.8))
        if segment >= _text_width(str(count), _DIST_FONT) + 1:
            ink = "#ffffff" if _is_dark(colour) else INK
            body.append(
                _text(x + segment / 2, _DIST_H / 2 + 3.5, str(count), _DIST_FONT, anchor="middle", fill=ink)
            )
        x += segment
    body.append(_rect(x0, y0, x1 - x0, y1 - y0, "none", MUTED, 0.8))
    return Chart(title, alt, _svg(uid, title, alt, width, (_DIST_W, _DIST_H), body))


def distribution_key(labels: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """The key to distribution_bar: each scale point's label with its fill, lightest (lowest) first.

    Plain pairs, for the report to print as text with colour swatches (cheaper to lay out than SVG).
    """
    if not labels:
        raise ValueError("distribution_key needs at least one scale point")
    steps = max(len(labels) - 1, 1)
    return tuple((label, _mix(_DIST_LOW, NAVY, i / steps)) for i, label in enumerate(labels))


# --------------------------------------------------------------------------- heatmap

_HEAT_W = 720.0
_HEAT_LABEL_W = 164.0
_HEAT_ROW = 18.0
_HEAT_MAX_COL = 110.0
_HEAT_FONT = 10.0
_HEAT_HEAD_LINES = 4


def heatmap(
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    values: Sequence[Sequence[float | None]],
    scale_min: int,
    scale_max: int,
    width: str = "180mm",
    col_means: Sequence[float | None] | None = None,
    *,
    title: str = "Mean ratings by leader and competency",
) -> Chart:
    """Leaders by competencies, each cell shaded by its value and printed; rows may run to 300+.

    Rows have a fixed height and the SVG grows downwards. WeasyPrint never splits an SVG
    across pages (it clips it), and at 180mm a page holds about 55 rows: a long cohort is
    drawn as several heatmaps, one per page.
    """
    _check_heatmap(row_labels, col_labels, values, scale_min, scale_max, col_means)
    table: list[tuple[str, Sequence[float | None]]] = list(zip(row_labels, values, strict=True))
    if col_means is not None:
        table.append(("Cohort mean", col_means))
    alt = (
        f"Heatmap of mean ratings for {txt.count(len(row_labels), 'leader')} "
        f"across {txt.count(len(col_labels), 'competency', 'competencies')} "
        f"on a scale of {scale_min} to {scale_max}. "
        + "; ".join(
            f"{label}: " + ", ".join(f"{col} {_shown(v)}" for col, v in zip(col_labels, row, strict=True))
            for label, row in table
        )
        + "."
    )
    uid = _uid("heat", title, alt)
    grid = _HeatGrid.of(col_labels, scale_min, scale_max)
    body = grid.heads(col_labels)
    cells: list[str] = []
    texts: list[str] = []
    y = grid.top
    for r, (label, row) in enumerate(table):
        is_mean = col_means is not None and r == len(table) - 1
        if is_mean:
            y += 4
            body.append(_line(_EDGE, y - 2, grid.x0 + grid.col_w * len(col_labels), y - 2, INK, 1))
        body.append(
            _text(
                grid.x0 - 6,
                y + _HEAT_ROW / 2 + 3.5,
                _truncate(label, _HEAT_LABEL_W - _EDGE, _HEAT_FONT, bold=is_mean),
                _HEAT_FONT,
                anchor="end",
                bold=is_mean,
            )
        )
        grid.row(row, y, is_mean, cells, texts)
        y += _HEAT_ROW
    y = grid.legend(y, body, cells, texts)
    body.extend(cells)
    body.extend(texts)
    size = (_HEAT_W, y + _EDGE)
    return Chart(title, alt, _svg(uid, title, alt, width, size, body))


def _check_heatmap(
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    values: Sequence[Sequence[float | None]],
    scale_min: int,
    scale_max: int,
    col_means: Sequence[float | None] | None,
) -> None:
    _check_scale(scale_min, scale_max)
    if not row_labels or not col_labels:
        raise ValueError("heatmap needs at least one row and one column")
    if len(values) != len(row_labels):
        raise ValueError(f"heatmap got {len(values)} rows of values for {len(row_labels)} labels")
    for label, row in zip(row_labels, values, strict=True):
        if len(row) != len(col_labels):
            raise ValueError(f"heatmap row {label!r} has {len(row)} values for {len(col_labels)} columns")
        for col, value in zip(col_labels, row, strict=True):
            _check_value(value, scale_min, scale_max, f"heatmap value for {label!r}, {col!r}")
    if col_means is not None:
        if len(col_means) != len(col_labels):
            raise ValueError(f"heatmap got {len(col_means)} column means for {len(col_labels)} columns")
        for col, value in zip(col_labels, col_means, strict=True):
            _check_value(value, scale_min, scale_max, f"cohort mean for {col!r}")


@dataclass(frozen=True)
class _HeatGrid:
    """A heatmap's columns: where they start, how wide, and the fonts that fit them."""

    scale_min: int
    scale_max: int
    x0: float
    col_w: float
    head_font: float
    top: float
    value_font: float

    @classmethod
    def of(cls, col_labels: Sequence[str], scale_min: int, scale_max: int) -> _HeatGrid:
        x0 = _HEAT_LABEL_W + 6
        col_w = min(_HEAT_MAX_COL, (_HEAT_W - _EDGE - x0) / len(col_labels))
        # Narrow columns get a smaller header font before a word is broken mid-way.
        longest = max(
            (_text_width(word, 1, bold=True) for label in col_labels for word in label.split()),
            default=1.0,
        )
        head_font = min(_HEAT_FONT, max(9.5, (col_w - 2) / longest * 0.999))  # 0.999: float rounding
        lines = max(
            len(_wrap(label, col_w - 2, head_font, _HEAT_HEAD_LINES, bold=True)) for label in col_labels
        )
        head_h = lines * (head_font * 1.2) + 6
        top = _EDGE + head_h
        value_font = min(_HEAT_FONT, (col_w - 3) / _text_width("5.0", 1, bold=True))
        return cls(scale_min, scale_max, x0, col_w, head_font, top, value_font)

    def heads(self, col_labels: Sequence[str]) -> list[str]:
        """The column headers, wrapped and bottom-aligned above the first row."""
        head_line = self.head_font * 1.2
        body: list[str] = []
        for j, label in enumerate(col_labels):
            lines = _wrap(label, self.col_w - 2, self.head_font, _HEAT_HEAD_LINES, bold=True)
            centre = self.x0 + (j + 0.5) * self.col_w
            last = self.top - 6
            for k, line in enumerate(lines):
                baseline = last - (len(lines) - 1 - k) * head_line
                body.append(_text(centre, baseline, line, self.head_font, anchor="middle", bold=True))
        return body

    def shade(self, value: float) -> str:
        return _mix(_LIGHT, NAVY, (value - self.scale_min) / (self.scale_max - self.scale_min))

    def row(
        self, row: Sequence[float | None], y: float, bold: bool, cells: list[str], texts: list[str]
    ) -> None:
        """One row's cells (shaded) and their printed values."""
        col_w = self.col_w
        for j, value in enumerate(row):
            x = self.x0 + j * col_w
            if value is None:
                cells.append(_rect(x + 0.5, y + 0.5, col_w - 1, _HEAT_ROW - 1, "#ffffff", GRID))
                continue
            colour = self.shade(value)
            cells.append(_rect(x, y, col_w, _HEAT_ROW, colour, "#ffffff", 1))
            ink = "#ffffff" if _is_dark(colour) else INK
            texts.append(
                _text(
                    x + col_w / 2,
                    y + _HEAT_ROW / 2 + 3.5,
                    _fmt(value),
                    self.value_font,
                    anchor="middle",
                    fill=ink,
                    bold=bold,
                )
            )

    def legend(self, y: float, body: list[str], cells: list[str], texts: list[str]) -> float:
        """One swatch per scale point, so the shades can be read without the numbers; the new bottom."""
        y += 10
        body.append(_text(self.x0 - 6, y + 11, "Scale", _HEAT_FONT, anchor="end", fill=MUTED))
        swatch = min(44.0, (_HEAT_W - _EDGE - self.x0) / (self.scale_max - self.scale_min + 1))
        for k, point in enumerate(range(self.scale_min, self.scale_max + 1)):
            colour = self.shade(point)
            x = self.x0 + k * swatch
            cells.append(_rect(x, y, swatch, 16, colour, "#ffffff", 1))
            texts.append(
                _text(
                    x + swatch / 2,
                    y + 11.5,
                    str(point),
                    _HEAT_FONT,
                    anchor="middle",
                    fill="#ffffff" if _is_dark(colour) else INK,
                )
            )
        return y + 16


# --------------------------------------------------------------------------- strip plot

_STRIP_W = 640.0
_STRIP_X1 = 610.0
_STRIP_ROW = 30.0
_DOT_R = 4.0


def strip_chart(
    rows: Sequence[tuple[str, Sequence[float]]],
    scale_min: int,
    scale_max: int,
    marker: Sequence[float | None] | None = None,
    width: str = "160mm",
    *,
    title: str = "Spread of leaders' mean ratings by competency",
) -> Chart:
    """One row per competency: each leader's mean as a dot, the cohort mean as a tick."""
    marks = _check_strip(rows, scale_min, scale_max, marker)
    alt = _strip_alt(rows, marks, scale_min, scale_max, marker is not None)
    uid = _uid("strip", title, alt)
    span = scale_max - scale_min

    def x_of(value: float) -> float:
        return _BAR_X0 + (value - scale_min) / span * (_STRIP_X1 - _BAR_X0)

    body: list[str] = []
    marks_out: list[str] = []
    y = _EDGE
    for (label, dots), mark in zip(rows, marks, strict=True):
        middle = y + _STRIP_ROW / 2
        lines = _label_lines(label, None)
        first = middle + _BAR_FONT * 0.35 - (len(lines) - 1) * 6.5
        for i, text in enumerate(lines):
            body.append(_text(_BAR_LABEL_X, first + i * 13, text, _BAR_FONT, anchor="end"))
        body.append(_line(_BAR_X0, middle, _STRIP_X1, middle, GRID, 0.8))
        if not dots:
            body.append(_text(_BAR_X0 + 6, middle - 4, "not shown", 11, fill=MUTED, italic=True))
        for x, dy in _swarm([x_of(v) for v in dots]):
            body.append(
                f'<circle cx="{_n(x)}" cy="{_n(middle + dy)}" r="{_n(_DOT_R)}" fill="{NAVY}"'
                f' fill-opacity="0.45" stroke="{NAVY}" stroke-width="0.8"/>'
            )
        if mark is not None:
            x = x_of(mark)
            marks_out.append(_line(x, middle - 11, x, middle + 11, ORANGE, 3))
        y += _STRIP_ROW
    axis_y = y + 2
    grid: list[str] = []
    for tick in _ticks(scale_min, scale_max):
        x = x_of(tick)
        grid.append(_line(x, _EDGE, x, axis_y, GRID, 0.8))
        grid.append(_text(x, axis_y + 14, str(tick), 11, anchor="middle", fill=MUTED))
    grid.append(_line(_BAR_X0, axis_y, _STRIP_X1, axis_y, MUTED, 1))
    legend_y = axis_y + 30
    body = grid + body + marks_out + _strip_legend(legend_y, marker is not None)
    size = (_STRIP_W, legend_y + 10 + _EDGE)
    return Chart(title, alt, _svg(uid, title, alt, width, size, body))


def _check_strip(
    rows: Sequence[tuple[str, Sequence[float]]],
    scale_min: int,
    scale_max: int,
    marker: Sequence[float | None] | None,
) -> list[float | None]:
    """The rows checked against the scale; the marker of each row (None without markers)."""
    _check_scale(scale_min, scale_max)
    if not rows:
        raise ValueError("strip_chart needs at least one row")
    if marker is not None and len(marker) != len(rows):
        raise ValueError(f"strip_chart got {len(marker)} markers for {len(rows)} rows")
    for label, dots in rows:
        for value in dots:
            _check_value(value, scale_min, scale_max, f"strip value for {label!r}")
    marks: list[float | None] = list(marker) if marker is not None else [None] * len(rows)
    for (label, _), mark in zip(rows, marks, strict=True):
        _check_value(mark, scale_min, scale_max, f"cohort mean for {label!r}")
    return marks


def _strip_alt(
    rows: Sequence[tuple[str, Sequence[float]]],
    marks: Sequence[float | None],
    scale_min: int,
    scale_max: int,
    marked: bool,
) -> str:
    def describe(dots: Sequence[float], mark: float | None) -> str:
        shown = (
            f"{txt.count(len(dots), 'leader')}, " + ", ".join(_fmt(v) for v in sorted(dots))
            if dots
            else "leaders not shown"
        )
        return shown + (f" (cohort mean {_shown(mark)})" if marked else "")

    return (
        f"Strip chart of leaders' mean ratings per competency on a scale of {scale_min} to "
        f"{scale_max}"
        + (", with the cohort mean marked" if marked else "")
        + ". "
        + "; ".join(
            f"{label}: {describe(dots, mark)}" for (label, dots), mark in zip(rows, marks, strict=True)
        )
        + "."
    )


def _strip_legend(legend_y: float, marked: bool) -> list[str]:
    legend = [
        f'<circle cx="{_n(_BAR_X0 + 6)}" cy="{_n(legend_y)}" r="{_n(_DOT_R)}" fill="{NAVY}"'
        f' fill-opacity="0.45" stroke="{NAVY}" stroke-width="0.8"/>',
        _text(_BAR_X0 + 16, legend_y + 4.2, "One leader's mean", _LEGEND_FONT),
    ]
    if marked:
        legend.append(_line(_BAR_X0 + 170, legend_y - 8, _BAR_X0 + 170, legend_y + 8, ORANGE, 3))
        legend.append(_text(_BAR_X0 + 180, legend_y + 4.2, "Cohort mean", _LEGEND_FONT))
    return legend


def _swarm(xs: Sequence[float]) -> list[tuple[float, float]]:
    """Dots nudged up or down within their row so that close values do not hide each other."""
    offsets = (0.0, -5.0, 5.0, -9.0, 9.0)
    placed: list[tuple[float, float]] = []
    for x in sorted(xs):
        for dy in offsets:
            if all(abs(x - px) >= 2 * _DOT_R or dy != pdy for px, pdy in placed):
                placed.append((x, dy))
                break
        else:
            placed.append((x, 0.0))
    return placed
