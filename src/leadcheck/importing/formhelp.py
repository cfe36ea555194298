"""Why a response file could not be read, in words for the rater who filled it in, not the YAML parser's.

The parser reports where it gave up, often a line or two after the slip
(an answer indented by one space is only noticed at the next answer). This
module walks the lines of the form as ``write_form`` lays them out and finds
the first line that breaks that layout. Messages name lines and item ids,
never what the rater wrote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from leadcheck.base import text as txt
from leadcheck.instrument.model import IMPORTANCE_PREFIX

ANSWER_INDENT = 2  # "  l-1: 4"
TEXT_INDENT = 4  # the lines of a written answer under "  keep: |"
# A key is an item or question id, or an importance answer's "importance:<competency id>".
_KEY = re.compile(
    rf"^(?P<indent> *)(?P<key>(?:{re.escape(IMPORTANCE_PREFIX)})?[A-Za-z0-9_.-]+)(?P<colon>\s*:)?(?P<rest>.*)$"
)
_SECTIONS = ("answers", "comments")
TOP_KEYS = ("leadcheck_response", "instrument", "leader", "group", "rater", *_SECTIONS)


@dataclass(frozen=True)
class FormSlip:
    """The first line that breaks the form's layout: 1-based line and column, and what to do."""

    line: int
    column: int
    message: str


def find_slip(text: str) -> FormSlip | None:
    """The first line that breaks the layout of a leadcheck response form, or None."""
    scan = _Scan()
    for number, raw in enumerate(text.split("\n"), start=1):
        slip = scan.line(number, raw.rstrip("\r"))
        if slip is not None:
            return slip
    return None


class _Scan:
    """Walks a form line by line, knowing the section it is in and whether a written answer is open."""

    def __init__(self) -> None:
        self.section = ""
        self.in_text = False  # inside a written answer ("keep: |")

    def line(self, number: int, line: str) -> FormSlip | None:
        stripped = line.strip()
        indent = len(line) - len(line.lstrip(" "))
        if self.in_text:
            if not stripped or indent >= TEXT_INDENT:
                return None
            slip = _written_answer_ends(number, line, indent, stripped)
            if slip is not None:
                return slip
            self.in_text = False
        if not stripped or stripped.startswith("#"):
            return None
        match = _KEY.match(line)
        if indent == 0:
            if (
                match is not None
                and match.group("colon")
                and (match.group("key") in TOP_KEYS or not self.section)
            ):
                key = match.group("key")
                self.section = key if key in _SECTIONS else ""
                return None
            if self.section and match is not None:
                return FormSlip(
                    number,
                    1,
                    f"this {_what(self.section)} starts at the very left; start it with {_spaces(ANSWER_INDENT)}, "
                    "like the ones above and below it",
                )
            return None
        if not self.section:
            return None
        if match is None:
            return FormSlip(
                number, indent + 1, f"this line is not an {_what(self.section)}; {_example(self.section)}"
            )
        return self._entry(number, line, indent, match)

    def _entry(self, number: int, line: str, indent: int, match: re.Match[str]) -> FormSlip | None:
        """An answer or question line of the current section."""
        key = match.group("key")
        section = self.section
        if indent != ANSWER_INDENT:
            return FormSlip(
                number,
                1,
                f'"{key}" starts with {_spaces(indent)}; every {_what(section)} starts with exactly '
                f"{_spaces(ANSWER_INDENT)}: line it up with the ones above and below it",
            )
        if not match.group("colon"):
            return FormSlip(
                number,
                indent + len(key) + 1,
                f'the colon after "{key}" is missing; {_example(section, key)}',
            )
        value = match.group("rest").strip().split(" #", 1)[0].strip()
        if value in ("|", ">", "|-", ">-", "|+", ">+"):
            self.in_text = True
            return None
        return _value_slip(number, line.index(":", indent) + 2, key, value, section)


def _written_answer_ends(number: int, line: str, indent: int, stripped: str) -> FormSlip | None:
    """A line less indented than a written answer: the next key, or a slip of the answer's text."""
    key_line = _KEY.match(line)
    is_key = bool(key_line and key_line.group("colon"))
    if indent > 0 and not stripped.startswith("#") and not is_key:
        return FormSlip(
            number,
            indent + 1,
            f"this line of a written answer starts with {_spaces(indent)}; every line of a written "
            f"answer starts with {TEXT_INDENT} spaces: add {_spaces(TEXT_INDENT - indent)} at its start",
        )
    top_key = is_key and key_line is not None and key_line.group("key") in TOP_KEYS
    if indent == 0 and not stripped.startswith("#") and not top_key:
        return FormSlip(
            number,
            1,
            "this line of a written answer starts at the very left; every line of a written "
            f"answer starts with {_spaces(TEXT_INDENT)}: add them at its start",
        )
    return None


def _value_slip(number: int, column: int, key: str, value: str, section: str) -> FormSlip | None:
    """A one-line answer that YAML would read as something else."""
    if value[:1] in ('"', "'") and (len(value) < 2 or value[-1] != value[0]):
        return FormSlip(
            number, column, f'the answer to "{key}" opens a quote and does not close it; remove the quote'
        )
    if value[:1] in ("[", "{", "&", "*", "!", "%", "@", "`", "|", ">"):
        return FormSlip(
            number,
            column,
            f'the answer to "{key}" starts with "{value[0]}", which has a meaning of its own here; '
            f"{_example(section, key)}",
        )
    if ": " in value or value.endswith(":"):
        return FormSlip(
            number,
            column,
            f'the answer to "{key}" holds a second colon; {_example(section, key)}',
        )
    return None


def _spaces(n: int) -> str:
    return txt.count(n, "space")


def _what(section: str) -> str:
    return "answer" if section == "answers" else "question"


def _example(section: str, key: str = "") -> str:
    if section == "answers":
        return f'write the item, a colon, a space and your answer, for example "{key or "l-1"}: 4" or "{key or "l-1"}: often"'
    return (
        f'write the question, a colon, a space and "|", for example "{key or "keep"}: |", then your answer on '
        f"the lines below it, each starting with {TEXT_INDENT} spaces"
    )
