"""Raters' free text made safe to lay out: bounded in length, with places to break long words.

WeasyPrint's line breaking slows down sharply on a long unbroken "word" (a
100,000-character one took 96-151 s), so one rater could stall a cohort run.
Two rules, applied to every comment before it reaches a template:

- a comment longer than MAX_COMMENT characters is cut there, with a visible note
  saying how much was left out and where the whole text is;
- a run of more than BREAK_EVERY characters without a space gets a zero-width
  space (U+200B, an invisible break opportunity) every BREAK_EVERY characters.
"""

from __future__ import annotations

import re

MAX_COMMENT = 4000
BREAK_EVERY = 40
ZERO_WIDTH_SPACE = "\u200b"

_LONG_RUN = re.compile(rf"[^\s\u200b]{{{BREAK_EVERY + 1},}}")


def with_breaks(text: str) -> str:
    """``text`` with an invisible break opportunity every BREAK_EVERY characters of a long word."""

    def split(m: re.Match[str]) -> str:
        run = m.group(0)
        return ZERO_WIDTH_SPACE.join(run[i : i + BREAK_EVERY] for i in range(0, len(run), BREAK_EVERY))

    return _LONG_RUN.sub(split, text)


# Control characters other than tab and line breaks: imports refuse them, but a comment typed
# in a terminal (an arrow key's escape sequence) or stored by an older leadcheck may hold one.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def prepare_comment(text: str) -> str:
    """A comment as the report shows it: no control characters, at most MAX_COMMENT characters,
    long words breakable."""
    text = _CONTROL.sub("", text)
    if len(text) > MAX_COMMENT:
        left_out = len(text) - MAX_COMMENT
        text = (
            f"{text[:MAX_COMMENT].rstrip()} … [shortened for the report: {left_out:,} more characters; "
            "the whole comment is in `leadcheck export`]"
        )
    return with_breaks(text)
