"""Loose matching of column titles, answers and rater groups against an instrument."""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

from leadcheck.base.problems import shorten
from leadcheck.base.responses import Answer
from leadcheck.instrument.model import SELF_NOT_OBSERVED, Instrument, Scale, importance_key

# Cell values that mean "not observed" besides the scale's own label (compared loosely).
NOT_OBSERVED_WORDS = ("n", "na", "n/a", "not observed", "not applicable", "not answered")
# Below this length (loosely compared), an item text is too short to be found inside a longer title.
MIN_CONTAINED = 12

_BRACKETS = re.compile(r"^(?P<before>.*?)\s*\[(?P<inside>[^\[\]]+)\]\s*$", re.DOTALL)
_NUMBER = re.compile(r"[+-]?\d{1,18}(?:\.0+)?")
# "4 - Often", "4 (Often)", "4. Often", "4: Often", "4 = Often", "4) Often"
# (a label holds at least one letter: "3.5" is not "3" labelled "5")
_NUMBER_LABEL = re.compile(
    r"(?P<number>[+-]?\d{1,18})\s*(?:[-\u2013\u2014:.=)]|\()\s*(?P<label>.*?[^\W\d_].*?)\)?"
)
# "Often (4)", "Often - 4", "Often: 4"
_LABEL_NUMBER = re.compile(
    r"(?P<label>.*?[^\W\d_].*?)\s*(?:\(|[-\u2013\u2014:=])\s*(?P<number>[+-]?\d{1,18})\)?"
)


def loose(text: str) -> str:
    """``text`` for loose comparison: case, whitespace and punctuation removed."""
    if text.isascii() and text.isalnum():  # most cells ("4", "Often"): the same result, quicker
        return text.lower()
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if ch.isalnum())


@dataclass(frozen=True)
class Target:
    """What a column holds: the answers to one item, or the comments on one question."""

    kind: str  # "item" | "importance" | "question"
    id: str  # an item id, an importance answer key (importance:<competency id>) or a question id


class ColumnMatcher:
    """Maps column titles to the items and questions of one instrument."""

    def __init__(self, instrument: Instrument) -> None:
        self.instrument = instrument
        self._by_id: dict[str, Target] = {}
        self._by_text: dict[str, Target] = {}
        # A survey grid asks importance as "<the importance question> [<competency>]".
        self._importance_texts: set[str] = set()
        self._importance_rows: dict[str, Target] = {}
        for item in instrument.items.values():
            target = Target("item", item.id)
            self._by_id[loose(item.id)] = target
            for text in (item.self_text, item.others_text):
                self._by_text.setdefault(loose(text), target)
        for question in instrument.questions:
            target = Target("question", question.id)
            self._by_id.setdefault(loose(question.id), target)
            for text in (question.self_text, question.others_text):
                self._by_text.setdefault(loose(text), target)
        for dim in instrument.dimensions if instrument.importance is not None else ():
            # "importance:self-aware", or "Importance: Self-awareness" by the competency's name.
            target = Target("importance", importance_key(dim.id))
            self._by_id.setdefault(loose(importance_key(dim.id)), target)
            self._by_id.setdefault(loose(f"importance {dim.name}"), target)
            self._importance_rows[loose(dim.id)] = self._importance_rows[loose(dim.name)] = target
        if instrument.importance is not None:
            asked = instrument.importance
            self._importance_texts = {loose(asked.self_text), loose(asked.others_text)}

    def match(self, titles: Sequence[str]) -> Target | None:
        """The target of a column known by ``titles`` (most specific first), or None."""
        for title in titles:
            found = self._match_one(title)
            if found is not None:
                return found
        return None

    def _match_one(self, title: str) -> Target | None:
        title = title.strip()
        if not title:
            return None
        brackets = _BRACKETS.match(title)
        if brackets:
            # Google Forms grids: "Question [Row]"; our own convention: "Text [sa-3]".
            if loose(brackets["before"]) in self._importance_texts:
                return self._importance_rows.get(loose(brackets["inside"]))
            found = self._exact(brackets["inside"])
            if found is not None:
                return found
        found = self._exact(title)
        if found is not None:
            return found
        # Qualtrics matrix columns: "Question - Sub-question"; try each side of each " - ".
        parts = title.split(" - ")
        for i in range(len(parts) - 1, 0, -1):
            for side in (" - ".join(parts[i:]), " - ".join(parts[:i])):
                found = self._by_text.get(loose(side))
                if found is not None:
                    return found
        return self._contained(title)

    def _exact(self, text: str) -> Target | None:
        key = loose(text)
        return self._by_id.get(key) or self._by_text.get(key)

    def _contained(self, title: str) -> Target | None:
        """The item whose whole text appears inside the title ("1. This leader ..."), if one does."""
        key = loose(title)
        best: tuple[int, Target] | None = None
        ambiguous = False
        for text, target in self._by_text.items():
            if len(text) >= MIN_CONTAINED and text in key:
                if best is None or len(text) > best[0]:
                    best, ambiguous = (len(text), target), False
                elif len(text) == best[0] and target != best[1]:
                    ambiguous = True
        return None if best is None or ambiguous else best[1]

    @cached_property
    def _choices(self) -> dict[str, str]:
        """Loose text or id -> how to suggest it."""
        choices: dict[str, str] = {}
        for item in self.instrument.items.values():
            hint = f'"{item.id}" ({shorten(item.others_text, 50)})'
            for text in (item.id, item.self_text, item.others_text):
                choices.setdefault(loose(text), hint)
        for q in self.instrument.questions:
            hint = f'"{q.id}" ({shorten(q.others_text, 50)})'
            for text in (q.id, q.self_text, q.others_text):
                choices.setdefault(loose(text), hint)
        return choices

    def suggest(self, titles: Iterable[str]) -> str | None:
        """A did-you-mean hint for a column that matches nothing, or None."""
        for title in titles:
            candidates = [title]
            brackets = _BRACKETS.match(title.strip())
            if brackets:
                candidates.insert(0, brackets["inside"])
            for text in candidates:
                close = difflib.get_close_matches(loose(text), list(self._choices), n=1, cutoff=0.75)
                if close:
                    return f"did you mean {self._choices[close[0]]}?"
        return None


# Not a LeadcheckError (and not in leadcheck.base.errors): it never leaves the import, whose readers
# turn it into a Problem at the cell it came from.
class AnswerError(ValueError):
    """A cell that is not an answer on the scale. The message never quotes the cell: a comment
    pasted into an answer column is personal data, and messages reach logs and CI annotations."""


def not_observed_words(scale: Scale) -> frozenset[str]:
    """The loose words that mean "not observed" on ``scale``."""
    return _loose_words(scale)[0]


# Scale (by id, kept alive by the entry) -> its loose words; see _loose_words.
_WORDS: dict[int, tuple[Scale, frozenset[str], dict[str, int]]] = {}


def _loose_words(scale: Scale) -> tuple[frozenset[str], dict[str, int]]:
    """The loose "not observed" words of ``scale``, and each point's loose label with its value
    (the first point first). Every cell of a file asks: cached by identity, as hashing a Scale
    walks all its points."""
    hit = _WORDS.get(id(scale))
    if hit is not None and hit[0] is scale:
        return hit[1], hit[2]
    labels: dict[str, int] = {}
    for point in scale.points:
        labels.setdefault(loose(point.label), point.value)
    words = frozenset(loose(w) for w in (*NOT_OBSERVED_WORDS, scale.not_observed_label, SELF_NOT_OBSERVED))
    if len(_WORDS) >= 64:
        _WORDS.clear()
    _WORDS[id(scale)] = (scale, words, labels)
    return words, labels


def describe_scale(scale: Scale) -> str:
    """The scale as a message shows it: "1-5 (Never ... Always)"."""
    return f"{scale.min}-{scale.max}"


def parse_answer(cell: object, scale: Scale) -> Answer:
    """A scale value, or None for "not observed", from a cell (a number or a label, loosely).

    Blank cells are not answers (the item was skipped): the caller leaves them
    out before calling. Raises AnswerError.
    """
    if isinstance(cell, bool):  # YAML reads a bare yes/no as a boolean
        cell = "yes" if cell else "no"
    if isinstance(cell, int):
        return _in_range(cell, scale)
    if isinstance(cell, float) and math.isfinite(cell) and cell.is_integer():
        return _in_range(int(cell), scale)
    text = str(cell).strip()
    key = loose(text)
    not_observed, point_values = _loose_words(scale)
    if key in not_observed or text in ("-", "\u2013"):
        if not scale.not_observed:
            raise AnswerError(
                '"not observed" is not allowed: this instrument has no '
                '"not observed" answer; leave the cell empty to skip the item'
            )
        return None
    if key in point_values:
        return point_values[key]
    if _NUMBER.fullmatch(text):
        return _in_range(int(float(text)), scale)
    for pattern in (_NUMBER_LABEL, _LABEL_NUMBER):
        m = pattern.fullmatch(text)
        if m is None:
            continue
        value = _in_range(int(m["number"]), scale)
        if loose(m["label"]) == loose(scale.label(value)):
            return value
        raise AnswerError(
            "the number and the label disagree; write one of them, or both as the scale has them "
            f'("{value} - {scale.label(value)}")'
        )
    labels = ", ".join(p.label for p in scale.points)
    na = f', or "n/a" ({scale.not_observed_label})' if scale.not_observed else ""
    raise AnswerError(
        f"not an answer on the scale; expected a number {describe_scale(scale)}, a label ({labels}){na}"
    )


def _in_range(value: int, scale: Scale) -> int:
    if not scale.min <= value <= scale.max:
        raise AnswerError(f"a number outside the scale {describe_scale(scale)}")
    return value


def match_group(cell: str, instrument: Instrument) -> str | None:
    """The rater group id a cell names, by id or label, loosely ("Direct report" -> direct_report)."""
    key = loose(cell)
    if not key:
        return None
    for group in instrument.rater_groups:
        for name in (group.id, group.label):
            candidate = loose(name)
            if key in (candidate, candidate + "s") or candidate in (key, key + "s"):
                return group.id
    return None


def describe_groups(instrument: Instrument) -> str:
    return ", ".join(f"{g.id} ({g.label})" for g in instrument.rater_groups)
