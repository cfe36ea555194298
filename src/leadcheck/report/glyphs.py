"""Which characters of a report no installed font can draw (they would print as boxes).

WeasyPrint draws text through Pango, which falls back to any font that
fontconfig knows. So a character prints as text exactly when some font in
``fc-list`` covers it; we ask fontconfig once per process for the union of
every font's character set and check a report's text against it. We name
scripts, never the text itself: names and comments are personal data.
"""

from __future__ import annotations

import bisect
import functools
import html
import re
import shutil
import subprocess
import unicodedata
from collections.abc import Container, Iterable, Iterator

# Characters that never need a glyph: controls, formatting marks, separators.
_INVISIBLE = {"Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Me"}
_TAG = re.compile(r"<(script|style)\b.*?</\1>|<[^>]*>", re.DOTALL | re.IGNORECASE)

# What to install for a script, by the first word of the characters' Unicode names.
_CJK = ("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "BOPOMOFO", "IDEOGRAPHIC", "HALFWIDTH", "FULLWIDTH")
ADVICE_CJK = "Noto Sans CJK (Debian: fonts-noto-cjk)"
ADVICE_EMOJI = "Noto Color Emoji (Debian: fonts-noto-color-emoji)"
ADVICE_OTHER = "the Noto fonts (Debian: fonts-noto-core, or fonts-noto for every script)"


class Ranges:
    """Code points as merged, sorted ranges: ``cp in ranges`` by bisection, iterable like a set."""

    def __init__(self, pairs: Iterable[tuple[int, int]]) -> None:
        merged: list[list[int]] = []
        for first, last in sorted(pairs):
            if merged and first <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], last)
            else:
                merged.append([first, last])
        self.starts = [m[0] for m in merged]
        self.ends = [m[1] for m in merged]

    def __contains__(self, code_point: object) -> bool:
        if not isinstance(code_point, int):
            return False
        k = bisect.bisect_right(self.starts, code_point) - 1
        return k >= 0 and code_point <= self.ends[k]

    def __iter__(self) -> Iterator[int]:
        for first, last in zip(self.starts, self.ends, strict=True):
            yield from range(first, last + 1)


def installed_coverage() -> Container[int] | None:
    """Every code point some installed font covers, or None when fontconfig cannot be asked."""
    return _installed_coverage()


@functools.cache
def _installed_coverage() -> Ranges | None:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    try:
        listing = subprocess.run(
            [fc_list, "--format", "%{charset}\n"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    # Installed fonts repeat the same ranges tens of thousands of times: each distinct range is
    # read once, and kept as a range (a set of every code point took 0.035 s of every report).
    return Ranges(charset_ranges(set(listing.split())))


def charset_ranges(ranges: Iterable[str]) -> Iterator[tuple[int, int]]:
    """(first, last) code points of fontconfig charset ranges such as ``20-7e`` or ``a0``."""
    for part in ranges:
        first, _, last = part.partition("-")
        try:
            yield int(first, 16), int(last or first, 16)
        except ValueError:
            continue


def parse_charsets(ranges: Iterable[str]) -> Iterable[int]:
    """Code points of fontconfig charset ranges such as ``20-7e`` or ``a0``."""
    return Ranges(charset_ranges(ranges))


def html_text(document: str) -> str:
    """The text of an HTML document (tags, scripts and styles dropped, entities decoded)."""
    return html.unescape(_TAG.sub(" ", document))


def script_of(char: str) -> str:
    """A readable script name for a character: "CJK", "Arabic", "Hebrew", ..."""
    if unicodedata.category(char) == "So":
        return "Symbol"
    name = unicodedata.name(char, "")
    if not name:
        return f"U+{ord(char):04X}"
    first = name.split()[0]
    if first in _CJK:
        return "CJK"
    return first.capitalize()


def missing_scripts(text: str, coverage: Container[int] | None = None) -> tuple[str, ...]:
    """The scripts of characters in ``text`` that no installed font covers, sorted.

    Empty when everything is covered, or when fontconfig cannot be asked (we
    do not guess: the PDF is then whatever Pango makes of it).
    """
    covered = installed_coverage() if coverage is None else coverage
    if covered is None:
        return ()
    scripts = {
        script_of(c) for c in set(text) if ord(c) not in covered and unicodedata.category(c) not in _INVISIBLE
    }
    return tuple(sorted(scripts))


def advice(scripts: Iterable[str]) -> str:
    """What to install so that ``scripts`` print as text."""
    wanted = []
    names = set(scripts)
    if names & {"CJK"}:
        wanted.append(ADVICE_CJK)
    if "Symbol" in names:
        wanted.append(ADVICE_EMOJI)
    if names - {"CJK", "Symbol"} or not wanted:
        wanted.append(ADVICE_OTHER)
    return "install " + " and ".join(dict.fromkeys(wanted))


def warning(document: str, scripts: tuple[str, ...]) -> str:
    """The one-line warning for a document ("the report of X") with characters no font draws."""
    return (
        f"{document} holds {', '.join(scripts)} characters that no installed font can draw; "
        f"they print as empty boxes: {advice(scripts)}, then render again"
    )
