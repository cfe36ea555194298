"""Collecting answers one item at a time: the interactive session as a pure state machine (progress: leadcheck.status)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from leadcheck.base.errors import NotFoundError, UsageError
from leadcheck.base.responses import Answer
from leadcheck.base.text import count as count_of
from leadcheck.instrument.model import (
    SELF,
    Competency,
    Instrument,
    Item,
    Question,
    Scale,
    importance_dimension,
    importance_key,
    not_observed_label,
)
from leadcheck.scoring import recode

if TYPE_CHECKING:
    from leadcheck.store import Assessment, Leader, Store

BACK, SKIP, QUIT, HELP, NOT_OBSERVED = "b", "s", "q", "?", "n"


class Kind(enum.Enum):
    """What a key did to the session."""

    ANSWERED = "answered"  # a scale value or "not observed": save it now
    SKIPPED = "skipped"  # moved on, the item keeps whatever answer it had
    BACK = "back"  # moved to the previous item
    QUIT = "quit"  # stop here; everything given is already saved
    HELP = "help"  # show the keys, stay on the item
    INVALID = "invalid"  # not a key for this item: show the hint, stay
    IGNORED = "ignored"  # an empty line or a bare Enter: stay, say nothing


@dataclass(frozen=True)
class Outcome:
    """The result of one key: what happened, and for an answer, what to save."""

    kind: Kind
    item_id: str | None = None
    value: Answer = None  # the answer given, or for a skip the answer kept
    message: str = ""
    kept: bool = False  # a skip that left an earlier answer in place


@dataclass(frozen=True)
class Prompt:
    """Everything the screen shows for the current item."""

    item: Item
    dimension: Competency
    text: str  # in the phrasing of the session's group
    number: int  # 1-based position
    total: int
    answered: int  # items with an answer so far, this one included
    has_answer: bool
    answer: Answer  # the current answer when has_answer
    importance: bool = False  # the importance question about ``dimension``, not a behaviour


def key_from_line(line: str, single_key: bool = True) -> str:
    """The key typed on one line of piped input: its first non-space character (or word, for 10+ scales)."""
    stripped = line.strip()
    if not stripped:
        return ""
    return stripped[0] if single_key else stripped.split()[0]


def not_observed_meaning(group: str) -> str:
    """What the "not observed" key means, in words for the person answering."""
    if group == SELF:
        return "you cannot judge this about yourself; it counts as missing, not as a score"
    return "you have not seen this behaviour; it counts as missing, not as a score"


def scale_choices(scale: Scale, group: str = "", importance: bool = False) -> str:
    """The scale as one line: ``1 Never  2 Rarely  ...  n Not observed``.

    For the importance question the same points read as their ends: ``1 least important ...
    5 most important`` (the scale's labels describe how often, not how much it matters)."""
    parts = [f"{p.value} {p.label}" for p in scale.points]
    if importance:
        parts = [str(p.value) for p in scale.points]
        parts[0] += " least important"
        parts[-1] += " most important"
    if scale.not_observed:
        parts.append(f"{NOT_OBSERVED} {not_observed_label(scale, group)}")
    return "  ".join(parts)


def answer_label(scale: Scale, value: Answer, group: str = "", importance: bool = False) -> str:
    """An answer as the person answering sees it: ``4 Often`` or ``Not observed`` (importance: ``4 of 5``)."""
    if value is None:
        return not_observed_label(scale, group)
    return f"{value} of {scale.max}" if importance else f"{value} {scale.label(value)}"


class Session:
    """One rater answering an instrument's items in order, one key at a time.

    Built from the answers already stored, it starts at the first unanswered
    item. An answer or a skip moves to the next item still to do (not answered
    and not skipped in this session), so after going back with ``b`` the next
    answer returns to where the rater left off. The caller saves every
    ``Kind.ANSWERED`` outcome at once; a skip never clears a stored answer.
    """

    def __init__(
        self, instrument: Instrument, group: str, answers: Mapping[str, Answer] | None = None
    ) -> None:
        self.instrument = instrument
        self.group = group
        self.scale = instrument.scale
        # The behaviours, then (when the group is asked) how important each competency is.
        self.items: tuple[Item, ...] = tuple(instrument.answer_keys(group).values())
        self._dimension = {item.id: dim for dim in instrument.dimensions for item in dim.items}
        self._dimension.update({importance_key(dim.id): dim for dim in instrument.dimensions})
        known = answers or {}
        # Answers to items the instrument does not have are not this session's business.
        self.answers: dict[str, Answer] = {i.id: known[i.id] for i in self.items if i.id in known}
        self.skipped: set[str] = set()
        self.reviewing = False
        self.index = self._next_to_do(-1)
        self.resumed_with = len(self.answers)

    def review(self) -> None:
        """Go through every item again from the first, in order, each showing its answer.

        For a finished assessment: a key changes the answer, Enter or ``s``
        keeps it, ``b`` goes back, ``q`` stops.
        """
        self.reviewing = True
        self.skipped.clear()
        self.index = 0

    def back_to_last_item(self) -> None:
        """Return from the open questions to the last item (``b`` at the first question)."""
        self.skipped.discard(self.items[-1].id)
        self.index = self.total - 1

    # -- state -----------------------------------------------------------------------

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def importance_count(self) -> int:
        """How many of the prompts ask importance (one per competency and value, or none)."""
        return sum(importance_dimension(item.id) is not None for item in self.items)

    def extent(self) -> str:
        """What the session asks, in words: ``4 items`` or ``4 items and 3 importance ratings``."""
        behaviours = self.total - self.importance_count
        if not self.importance_count:
            return count_of(behaviours, "item")
        return f"{count_of(behaviours, 'item')} and {count_of(self.importance_count, 'importance rating')}"

    @property
    def answered(self) -> int:
        return len(self.answers)

    @property
    def finished(self) -> bool:
        """No item left to show: the open questions come next."""
        return self.index >= self.total

    @property
    def single_key(self) -> bool:
        """Every scale value is one digit, so one key press is one answer."""
        return all(0 <= p.value <= 9 for p in self.scale.points)

    def current(self) -> Prompt | None:
        """The item to show now, or None when the session is finished."""
        if self.finished:
            return None
        item = self.items[self.index]
        return Prompt(
            item=item,
            dimension=self._dimension[item.id],
            text=item.text_for(self.group),
            number=self.index + 1,
            total=self.total,
            answered=self.answered,
            has_answer=item.id in self.answers,
            answer=self.answers.get(item.id),
            importance=importance_dimension(item.id) is not None,
        )

    def questions(self) -> list[Question]:
        """The open questions this session's group is asked, in order."""
        return [q for q in self.instrument.questions if q.asks(self.group)]

    def _next_to_do(self, after: int) -> int:
        if self.reviewing:
            return min(after + 1, self.total)
        for i in range(after + 1, self.total):
            item_id = self.items[i].id
            if item_id not in self.answers and item_id not in self.skipped:
                return i
        return self.total

    # -- keys --------------------------------------------------------------------------

    def keys_hint(self) -> str:
        """The one-line reminder of what can be pressed."""
        parts = [f"{self.scale.min}-{self.scale.max}"]
        if self.scale.not_observed:
            parts.append(NOT_OBSERVED)
        parts += [BACK, SKIP, QUIT]
        return f"press {', '.join(parts)}, or {HELP} for help"

    def help_lines(self) -> list[str]:
        """What every key does, for ``?``."""
        lines = [f"{p.value}  {p.label}" for p in self.scale.points]
        if self.scale.not_observed:
            label = not_observed_label(self.scale, self.group)
            lines.append(f"{NOT_OBSERVED}  {label}: {not_observed_meaning(self.group)}")
        if self.reviewing:
            lines.append(f"Enter or {SKIP}  keep this answer and move on")
        lines += [
            f"{BACK}  back one item, its answer shown; then answer, or {SKIP}, to come back here",
            f"{SKIP}  skip: move on and leave this item as it is",
            f"{QUIT}  quit: every answer is already saved; run the same command again to resume",
            f"{HELP}  this help",
        ]
        return lines

    def answer(self, key: str) -> Outcome:
        """Apply one key to the current item."""
        prompt = self.current()
        if prompt is None:
            raise RuntimeError("the session is finished; there is no item to answer")
        item_id = prompt.item.id
        key = key.strip()
        if not key and not self.reviewing:
            return Outcome(Kind.IGNORED, item_id)
        lowered = key.lower() or SKIP  # reviewing: Enter keeps the answer shown
        if lowered == QUIT:
            return Outcome(Kind.QUIT, item_id)
        if lowered == HELP:
            return Outcome(Kind.HELP, item_id)
        if lowered == SKIP:
            self.skipped.add(item_id)
            self.index = self._next_to_do(self.index)
            return Outcome(Kind.SKIPPED, item_id, self.answers.get(item_id), kept=item_id in self.answers)
        if lowered == BACK:
            if self.index == 0:
                return Outcome(Kind.INVALID, item_id, message=f"this is the first item: {self.keys_hint()}")
            self.index -= 1
            return Outcome(Kind.BACK, item_id)
        value: Answer
        if lowered == NOT_OBSERVED:
            if not self.scale.not_observed:
                return Outcome(
                    Kind.INVALID,
                    item_id,
                    message=f'"{NOT_OBSERVED}" ("{not_observed_label(self.scale, self.group)}") is not offered '
                    f"here: {self.keys_hint()}",
                )
            value = None
        elif key.isdecimal() and int(key) in {p.value for p in self.scale.points}:
            value = int(key)
        else:
            return Outcome(
                Kind.INVALID, item_id, message=f"{key!r} is not an answer here: {self.keys_hint()}"
            )
        self.answers[item_id] = value
        self.skipped.discard(item_id)
        self.index = self._next_to_do(self.index)
        return Outcome(Kind.ANSWERED, item_id, value)


# -- the open questions ------------------------------------------------------------------------


CLEAR = "-"


class LineAction(enum.Enum):
    """What one line typed at an open question does."""

    ANSWER = "answer"  # save the text as the answer
    KEEP = "keep"  # Enter alone: keep the answer shown (or none), move on
    CLEAR = "clear"  # "-" alone: delete the answer, move on
    BACK = "back"  # "b" alone: the previous question (or the last item)
    QUIT = "quit"  # "q" alone: stop; everything given is saved


def line_action(line: str) -> LineAction:
    """What a line typed at an open question means; one letter alone is a key, never saved as text."""
    stripped = line.strip()
    if not stripped:
        return LineAction.KEEP
    if stripped == QUIT:
        return LineAction.QUIT
    if stripped == BACK:
        return LineAction.BACK
    if stripped == CLEAR:
        return LineAction.CLEAR
    return LineAction.ANSWER


QUESTIONS_HINT = (
    "Open questions: type one line and press Enter. Enter alone skips (or keeps the answer shown), "
    f"{CLEAR} alone clears it, {BACK} alone goes back, {QUIT} alone saves and quits."
)


# -- what a rater answers (rate) ----------------------------------------------------------------


def check_rater_group(instrument: Instrument, group: str, leader: str) -> str:
    """The id of the rater group ``group`` names, by id or label as everywhere a group is named
    ("peers", "Direct reports"); UsageError unless it is one of the instrument's groups other than self."""
    from leadcheck.importing.columns import match_group

    others = ", ".join(g.id for g in instrument.rater_groups if not g.is_self)
    group = group if group in instrument.groups else (match_group(group, instrument) or group)
    if group == SELF:
        if not instrument.has_self:
            raise UsageError(
                f'"self" is not a group of raters, and {instrument.id} has no self-assessment; '
                f"choose one of: {others}"
            )
        import shlex

        raise UsageError(
            f'"self" is not a group of raters: the leader answers it with `leadcheck assess '
            f"{shlex.quote(leader)}`; choose one of: {others}"
        )
    if group not in instrument.groups:
        raise UsageError(f'no rater group "{group}" in {instrument.id}; choose one of: {others}')
    return group


def _check_cohort(leader: Leader | None, cohort: str | None) -> None:
    if leader is not None and cohort is not None and leader.cohort not in (None, cohort):
        raise UsageError(
            f'"{leader.name}" is in the cohort "{leader.cohort}", not "{cohort}"; leave out --cohort'
        )


def rating_assessment(
    store: Store, name: str, group: str, instrument: str | None = None, cohort: str | None = None
) -> Assessment:
    """The assessment a rater of ``name`` answers as ``group``; validated before anything is created.

    Without ``instrument``: the leader's newest assessment. With it (a shipped
    id, a path, or the id of an assessment already stored): the leader's
    newest assessment on that instrument id, with its stored snapshot, else a
    new one, the leader created too if new. ``cohort`` places a leader who has
    none in a cohort.
    """
    from leadcheck.instrument.catalog import load_instrument

    person = store.leaders.find(name)
    if instrument is None:
        person = store.leaders.get(name)
        try:
            current: Assessment | None = store.assessments.current(person)
        except NotFoundError as e:
            raise NotFoundError(f"{e}; to start one, name the instrument with --instrument ID|PATH") from e
        loaded = None
    else:
        # An id stored for this leader needs no file: its snapshot is what gets answered.
        current = store.assessments.current_or_none(person, instrument) if person else None
        loaded = None if current else load_instrument(instrument)
        if loaded is not None and person is not None:
            current = store.assessments.current_or_none(person, loaded.id)
    rated = store.assessments.instrument(current) if current is not None else loaded
    assert rated is not None
    check_rater_group(rated, group, person.name if person else name.strip())
    _check_cohort(person, cohort)
    if person is None or (cohort is not None and person.cohort is None):
        person = store.leaders.ensure(name, cohort)
    if current is not None:
        return current
    assert loaded is not None
    return store.assessments.current_or_new(person, loaded)


# -- the self summary ---------------------------------------------------------------------


@dataclass(frozen=True)
class DimensionMean:
    """One competency or value of the self summary."""

    id: str
    name: str
    kind: str  # "competency" or "value"
    mean: float | None  # None: no item rated on the scale
    rated: int  # items with a scale value
    not_observed: int
    skipped: int
    items: int
    reversed: int = 0  # rated items that are reverse-scored: their answers count the other way round


def self_summary(instrument: Instrument, answers: Mapping[str, Answer]) -> list[DimensionMean]:
    """The mean answer per competency and value, reverse-scored items recoded; missing answers left out."""
    out: list[DimensionMean] = []
    for dim in instrument.dimensions:
        values: list[float] = []
        not_observed = skipped = reversed_ = 0
        for item in dim.items:
            if item.id not in answers:
                skipped += 1
                continue
            value = answers[item.id]
            if value is None:
                not_observed += 1
            else:
                values.append(recode(instrument, item, value))
                reversed_ += item.reverse
        mean = sum(values) / len(values) if values else None
        out.append(
            DimensionMean(
                dim.id,
                dim.name,
                dim.kind,
                mean,
                len(values),
                not_observed,
                skipped,
                len(dim.items),
                reversed_,
            )
        )
    return out


# -- what to do next (the end of assess) -------------------------------------------------------


@dataclass(frozen=True)
class NextStep:
    """One thing to do after a self-assessment, and the command that does it (without ``leadcheck``)."""

    what: str
    command: tuple[str, ...]


def next_steps(instrument: Instrument, leader: str, not_current: bool = False) -> list[NextStep]:
    """What a leader does after their self-assessment, as exact commands: invite raters, follow up, report.

    ``not_current``: the assessment answered is not the leader's newest, so
    every command names its instrument (``-i``), which the commands otherwise
    take from the newest.
    """
    from leadcheck.base.filenames import slug

    on = ("-i", instrument.id) if not_current else ()
    raters = [g.id for g in instrument.rater_groups if not g.is_self]
    base = slug(leader) or "leader"
    steps: list[NextStep] = []
    if raters:
        group = "peer" if "peer" in raters else raters[0]
        groups = ", ".join(raters)
        steps += [
            NextStep(
                f"Invite raters ({groups}): each answers in a terminal with",
                ("rate", leader, "--as", group, *on),
            ),
            NextStep(
                "or gets a form to fill in and send back",
                ("form", leader, "--as", group, *on, "-o", f"{base}-{group}.yaml"),
            ),
            NextStep("and you import the returned forms with", ("import", f"{base}-{group}.yaml")),
        ]
        if not not_current:  # status shows the newest assessment only
            steps.append(NextStep("See who has answered", ("status", leader)))
    steps.append(NextStep("Your scores in the terminal", ("summary", leader, *on)))
    steps.append(NextStep("Your report (PDF)", ("report", leader, *on, "-o", f"{base}.pdf")))
    return steps
