"""The instrument as plain, immutable data: what every other module works from."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property

from leadcheck.base.problems import shorten

DEFAULT_MIN_RATERS = {"self": 1, "manager": 1, "peer": 3, "direct_report": 3, "other": 3}
FALLBACK_MIN_RATERS = 3
# Groups a leader may well have nobody in; an instrument says so per group with `optional:`.
DEFAULT_OPTIONAL = frozenset({"other"})
SELF = "self"

DEFAULT_RATER_GROUPS: tuple[tuple[str, str], ...] = (
    ("self", "Self"),
    ("manager", "Manager"),
    ("peer", "Peers"),
    ("direct_report", "Direct reports"),
    ("other", "Other raters"),
)


@dataclass(frozen=True)
class ScalePoint:
    """One point of the rating scale."""

    value: int
    label: str


@dataclass(frozen=True)
class Scale:
    """The rating scale: consecutive integer points, each labelled."""

    points: tuple[ScalePoint, ...]
    not_observed: bool = True
    not_observed_label: str = "Not observed"

    @property
    def min(self) -> int:
        return self.points[0].value

    @property
    def max(self) -> int:
        return self.points[-1].value

    @property
    def size(self) -> int:
        """A, the number of points (used by rwg)."""
        return len(self.points)

    def label(self, value: int) -> str:
        for p in self.points:
            if p.value == value:
                return p.label
        raise KeyError(value)


@dataclass(frozen=True)
class RaterGroup:
    """Who rates: the leader (self) or one group of others, with its anonymity threshold."""

    id: str
    label: str
    min_raters: int
    optional: bool = False  # with no raters at all, the group is not missing

    @property
    def is_self(self) -> bool:
        return self.id == SELF


@dataclass(frozen=True)
class Item:
    """One behaviour, phrased for the leader and for the people around them."""

    id: str
    self_text: str
    others_text: str
    reverse: bool = False
    area: str | None = None

    def text_for(self, group: str) -> str:
        return self.self_text if group == SELF else self.others_text


@dataclass(frozen=True)
class Competency:
    """A competency or a core value: a named set of items."""

    id: str
    name: str
    description: str
    items: tuple[Item, ...]
    kind: str = "competency"  # or "value"


DEFAULT_IMPORTANCE_GROUPS = ("self", "manager")  # who is asked how important each competency is
IMPORTANCE_PREFIX = "importance:"  # an answer to the importance question: "importance:<competency id>"


@dataclass(frozen=True)
class Importance:
    """The optional question how important each competency is for success in the leader's role.

    Answered per competency on the instrument's scale, by the leader and by the groups
    named (the manager by default); it orders the development priorities. Answers are
    stored under ``importance_key(competency id)``.
    """

    self_text: str
    others_text: str
    groups: tuple[str, ...] = DEFAULT_IMPORTANCE_GROUPS


def importance_key(dim_id: str) -> str:
    """The answer key of a competency's importance rating."""
    return IMPORTANCE_PREFIX + dim_id


def importance_dimension(key: str) -> str | None:
    """The competency id an importance answer key names (``importance:<id>``); None for any other key."""
    return key[len(IMPORTANCE_PREFIX) :] if key.startswith(IMPORTANCE_PREFIX) else None


@dataclass(frozen=True)
class Question:
    """An open-ended prompt (keep doing, start doing, ...)."""

    id: str
    self_text: str
    others_text: str
    groups: tuple[str, ...] | None = None  # None: everyone is asked

    def text_for(self, group: str) -> str:
        return self.self_text if group == SELF else self.others_text

    def asks(self, group: str) -> bool:
        return self.groups is None or group in self.groups


@dataclass(frozen=True)
class DevelopmentAction:
    """A suggested step for the development plan."""

    title: str
    do: str
    why: str


@dataclass(frozen=True)
class ScoringSettings:
    """Thresholds the scoring uses; the defaults are documented in docs/instrument-format.md."""

    blind_spot_gap: float = 0.75
    hidden_strength_gap: float = 0.75
    agreement_gap: float = 0.5
    high_score: float = 4.0
    min_item_fraction: float = 0.5
    low_consensus_rwg: float = 0.7
    # Comments to a question are shown only when the groups asked it have, together, at
    # least this many raters (and never fewer than the strictest threshold among them).
    min_comment_raters: int = 0

    @classmethod
    def for_scale(cls, low: int, high: int, **given: float | int) -> ScoringSettings:
        """Settings for a scale from ``low`` to ``high``: the given values, and defaults scaled to it.

        The defaults are set on a 1 to 5 scale (four steps): the gaps are three quarters
        and one half of a step there, and "high" is three quarters of the way up. On another
        scale they keep those proportions, so a 0 to 10 instrument without a scoring block
        gets gaps of 1.875 and 1.25 and a high score of 7.5, not thresholds meant for 1 to 5.
        """
        ratio = (high - low) / 4
        scaled: dict[str, float | int] = {
            "blind_spot_gap": 0.75 * ratio,
            "hidden_strength_gap": 0.75 * ratio,
            "agreement_gap": 0.5 * ratio,
            "high_score": low + 0.75 * (high - low),
        }
        return cls(**{**scaled, **given})  # type: ignore[arg-type]  # keys are the fields above


@dataclass(frozen=True)
class Instrument:
    """A whole instrument, validated, as loaded from its YAML text."""

    id: str
    version: str
    title: str
    description: str
    scale: Scale
    rater_groups: tuple[RaterGroup, ...]
    competencies: tuple[Competency, ...]
    values: tuple[Competency, ...] = ()
    questions: tuple[Question, ...] = ()
    development: dict[str, tuple[DevelopmentAction, ...]] = field(default_factory=dict)
    scoring: ScoringSettings = field(default_factory=ScoringSettings)
    language: str = "en"
    credits: str | None = None
    source_text: str = field(default="", repr=False, compare=False)
    importance: Importance | None = None  # the optional per-competency importance question

    @cached_property
    def content_hash(self) -> str:
        """SHA-256 of the exact YAML text this instrument was loaded from."""
        return hashlib.sha256(self.source_text.encode("utf-8")).hexdigest()

    @property
    def dimensions(self) -> tuple[Competency, ...]:
        """Competencies then values: everything that gets a score."""
        return self.competencies + self.values

    @cached_property
    def items(self) -> dict[str, Item]:
        return {item.id: item for dim in self.dimensions for item in dim.items}

    @cached_property
    def item_dimension(self) -> dict[str, str]:
        return {item.id: dim.id for dim in self.dimensions for item in dim.items}

    @cached_property
    def groups(self) -> dict[str, RaterGroup]:
        return {g.id: g for g in self.rater_groups}

    def group(self, group_id: str) -> RaterGroup:
        return self.groups[group_id]

    @property
    def has_self(self) -> bool:
        return SELF in self.groups

    def dimension(self, dim_id: str) -> Competency:
        for dim in self.dimensions:
            if dim.id == dim_id:
                return dim
        raise KeyError(dim_id)

    def asks_importance(self, group: str) -> bool:
        """Whether ``group`` is asked how important each competency is (never a protected group:
        the validator refuses one, code ``protected-importance``)."""
        return self.importance is not None and group in self.importance.groups

    @cached_property
    def importance_items(self) -> dict[str, Item]:
        """The importance question as one prompt per competency and value, keyed by its answer key.

        Collected like an item (on the scale, in instrument order, after the behaviours)
        but never scored as one: ``leadcheck.importance`` reads these answers.
        """
        if self.importance is None:
            return {}
        question = self.importance
        return {
            importance_key(dim.id): Item(importance_key(dim.id), question.self_text, question.others_text)
            for dim in self.dimensions
        }

    def answer_keys(self, group: str) -> dict[str, Item]:
        """Every answer ``group`` may give: the items, then the importance prompts when it is asked."""
        if not self.asks_importance(group):
            return self.items
        return {**self.items, **self.importance_items}


def importance_problem(instrument: Instrument, group: str, key: str) -> str | None:
    """Why ``group`` may not give the importance answer ``key``; None when it may (or ``key`` is no
    importance key). The one rule every reader of answers applies, so a group the instrument does
    not ask (a protected one above all) never has an importance answer stored."""
    dim_id = importance_dimension(key)
    if dim_id is None:
        return None
    question = instrument.importance
    name = f"{instrument.id} {instrument.version}"
    shown = shorten(key)  # from someone's file: one line, bounded
    if question is None:
        return f'"{shown}": {name} does not ask how important each competency is; leave the answer out'
    if dim_id not in {d.id for d in instrument.dimensions}:
        return f'"{shown}": "{shorten(dim_id)}" is not a competency or value of {name}'
    if group not in question.groups:
        return (
            f'"{shown}": {name} asks importance only of {", ".join(question.groups)}, not of {group}; '
            "leave the answer out"
        )
    return None


DEFAULT_NOT_OBSERVED = "Not observed"
SELF_NOT_OBSERVED = "I can't judge this"


def not_observed_label(scale: Scale, group: str) -> str:
    """How the "not observed" answer reads for ``group``.

    A leader does not "observe" their own behaviour: for the self group the
    default wording becomes "I can't judge this". An instrument's own wording
    (``not_observed_label``) is kept for everyone.
    """
    if group == SELF and scale.not_observed_label == DEFAULT_NOT_OBSERVED:
        return SELF_NOT_OBSERVED
    return scale.not_observed_label
