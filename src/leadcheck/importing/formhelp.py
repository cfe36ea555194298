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

ANSWER_INDENT = 2  # "  l-1: 4"
TEXT_INDENT = 4  # the lines of a written answer under "  keep: |"
_KEY = re.compile(r"^(?P<indent> *)(?P<key>[A-Za-z0-9_.-]+)(?P<colon>\s*:)?(?P<rest>.*)$")
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
    section = ""
    in_text = False  # inside a written answer ("keep: |")
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        stripped = line.strip()
        indent = len(line) - len(line.lstrip(" "))
        if in_text:
            if not stripped or indent >= TEXT_INDENT:
                continue
            key_line = _KEY.match(line)
            if indent > 0 and not stripped.startswith("#") and not (key_line and key_line.group("colon")):
                return FormSlip(
                    number,
                    indent + 1,
                    f"this line of a written answer starts with {_spaces(indent)}; every line of a written "
                    f"answer starts with {TEXT_INDENT} spaces: add {_spaces(TEXT_INDENT - indent)} at its start",
                )
            in_text = False
            if indent == 0 and not stripped.startswith("#"):
                key_line = _KEY.match(line)
                if not (key_line and key_line.group("colon") and key_line.group("key") in TOP_KEYS):
                    return FormSlip(
                        number,
                        1,
                        "this line of a written answer starts at the very left; every line of a written "
                        f"answer starts with {_spaces(TEXT_INDENT)}: add them at its start",
                    )
        if not stripped or stripped.startswith("#"):
            continue
        match = _KEY.match(line)
        if indent == 0:
            if match is not None and match.group("colon") and (match.group("key") in TOP_KEYS or not section):
                key = match.group("key")
                section = key if key in _SECTIONS else ""
                continue
            if section and match is not None:
                return FormSlip(
                    number,
                    1,
                    f"this {_what(section)} starts at the very left; start it with {_spaces(ANSWER_INDENT)}, "
                    "like the ones above and below it",
                )
            continue
        if not section:
            continue
        if match is None:
            return FormSlip(number, indent + 1, f"this line is not an {_what(section)}; {_example(section)}")
        key = match.group("key")
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
        rest = match.group("rest").strip()
        value = rest.split(" #", 1)[0].strip()
        if value in ("|", ">", "|-", ">-", "|+", ">+"):
            in_text = True
            continue
        column = line.index(":", indent) + 2
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
    return f"{n} space{'s' * (n != 1)}"


def _what(section: str) -> str:
    return "answer" if section == "answers" else "question"


def _example(section: str, key: str = "") -> str:
    if section == "answers":
        return f'write the item, a colon, a space and your answer, for example "{key or "l-1"}: 4" or "{key or "l-1"}: often"'
    return (
        f'write the question, a colon, a space and "|", for example "{key or "keep"}: |", then your answer on '
        f"the lines below it, each starting with {TEXT_INDENT} spaces"
    )
