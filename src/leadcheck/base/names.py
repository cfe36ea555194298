"""The one rule for every name a user or a file gives (leader, cohort, rater): one line, shown as typed.

A name may hold any script, but never a character that changes how it or what
follows it is shown (line breaks, control characters, terminal escapes, bidi
overrides and isolates, zero-width characters), nor letters that imitate
ordinary ones (full-width Latin), nor an RFC 2047 encoded-word (``=?utf-8?q?...?=``),
which a mail program would decode into other text, a second address included.
"""

from __future__ import annotations

import json
import re
import unicodedata

# Longer than this, a "name" is a pasted paragraph or a column of the wrong kind.
MAX_NAME = 200

# Joiners shape letters in Arabic, Persian and Indic names; they are allowed, but never tell
# two names apart.
JOINERS = "\u200c\u200d"

# What RFC 2047 calls an encoded-word: =?charset?B-or-Q?text?= (the text may be empty).
_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")


def _hidden(ch: str) -> bool:
    """Whether ``ch`` is invisible formatting (a bidi control, a zero-width space...), joiners aside."""
    return unicodedata.category(ch) == "Cf" and ch not in JOINERS


def shown(name: str, limit: int = 60) -> str:
    """``name`` quoted for a message: one line (JSON escapes), invisible characters as \\uXXXX, shortened."""
    text = "".join(f"\\u{ord(ch):04x}" if _hidden(ch) else ch for ch in json.dumps(name, ensure_ascii=False))
    return text if len(text) <= limit else text[: limit - 4] + '..."'


def _spoofing_character(name: str) -> str | None:
    """The first character that changes how a name looks without being seen, or imitates ordinary
    letters, as ``U+202E RIGHT-TO-LEFT OVERRIDE``; None when there is none."""
    for ch in name:
        if _hidden(ch) or "\uff01" <= ch <= "\uff5e":
            return f"U+{ord(ch):04X} {unicodedata.name(ch, 'FORMAT CHARACTER')}"
    return None


def name_problem(name: str, what: str, *, quote: bool = True, limit: int = MAX_NAME) -> str | None:
    """What is wrong with ``name`` as the ``what`` ("leader name", "cohort name", "rater's name"), or None.

    ``quote`` puts the name (escaped, shortened) in the message; a rater's name is
    personal data and is never quoted.
    """
    subject = f"{what} {shown(name)}" if quote else f"the {what}"
    if any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in name):
        return f"{subject} holds a line break, tab or other control character; expected a name on one line"
    spoof = _spoofing_character(name)
    if spoof is not None:
        return (
            f"{subject} holds {spoof}, which changes how the name is shown or imitates "
            "ordinary letters; type the name with ordinary characters"
        )
    if _ENCODED_WORD.search(name):
        return (
            f"{subject} holds an email encoded-word (=?charset?Q?...?=), which mail programs would decode "
            "into other text; type the name as it should read"
        )
    length = len(name.strip())
    if length > limit:
        return f"{subject} is {length} characters long; expected at most {limit}"
    return None
