"""The instrument format, declared once: the validator walks it and the JSON Schema is made from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SLUG = r"^[a-z0-9][a-z0-9-]*$"
GROUP_ID = r"^[a-z][a-z0-9_]*$"
SCHEMA_ID = "https://leadcheck.dev/schema/instrument.schema.json"


@dataclass(frozen=True)
class Str:
    """A non-empty string, optionally matching a pattern."""

    pattern: str | None = None
    pattern_hint: str = ""
    max_length: int = 10_000

    type_name = "a string"


@dataclass(frozen=True)
class Int:
    """An integer (booleans are not integers here)."""

    minimum: int | None = None
    maximum: int | None = None
    range_code: str = "range"  # the rule code of a value out of range

    type_name = "an integer"


@dataclass(frozen=True)
class Num:
    """A number (integer or decimal)."""

    minimum: float | None = None
    maximum: float | None = None
    range_code: str = "range"  # the rule code of a value out of range

    type_name = "a number"


@dataclass(frozen=True)
class Bool:
    """true or false."""

    type_name = "true or false"


@dataclass(frozen=True)
class Seq:
    """A list of one kind of thing."""

    of: Spec
    min_items: int = 0
    too_short_code: str = "empty-list"  # the rule code of a list shorter than min_items

    type_name = "a list"


@dataclass(frozen=True)
class Key:
    """One key of a mapping."""

    spec: Spec
    required: bool = False
    description: str = ""
    default: Any = None


@dataclass(frozen=True)
class Obj:
    """A mapping with a fixed set of keys; ``noun`` and ``id_key`` name it in messages."""

    keys: dict[str, Key]
    noun: str
    id_key: str | None = None
    description: str = ""
    # Required keys whose absence gets its own rule code (e.g. item texts).
    codes: dict[str, str] = field(default_factory=dict)

    type_name = "a mapping"


Spec = Str | Int | Num | Bool | Seq | Obj

_TEXT = Str()
_SLUG = Str(SLUG, "lowercase letters, digits and hyphens, starting with a letter or digit")
_GROUP = Str(GROUP_ID, "lowercase letters, digits and underscores, starting with a letter")

SCALE_POINT = Obj(
    {
        "value": Key(
            Int(minimum=-100, maximum=100), True, "The number a rater gives (negative for a scale of change)."
        ),
        "label": Key(_TEXT, True, 'What the number means, e.g. "Often".'),
    },
    noun="scale point",
    id_key="value",
)

SCALE = Obj(
    {
        "points": Key(Seq(SCALE_POINT, min_items=2), True, "Consecutive integers, ascending."),
        "not_observed": Key(Bool(), False, 'Raters may answer "not observed" (missing data).', True),
        "not_observed_label": Key(_TEXT, False, "How the not-observed answer is shown.", "Not observed"),
    },
    noun="scale",
)

RATER_GROUP = Obj(
    {
        "id": Key(_GROUP, True, "self is the leader; every other group counts as others."),
        "label": Key(_TEXT, True, "Shown on reports."),
        "min_raters": Key(
            Int(minimum=1, maximum=1000, range_code="threshold"), False, "Anonymity threshold."
        ),
        "optional": Key(
            Bool(),
            False,
            "A leader may have no raters in this group: with none, it is not reported as missing. "
            "Default: true for other, false for every other group.",
        ),
    },
    noun="rater group",
    id_key="id",
)

ITEM = Obj(
    {
        "id": Key(_SLUG, True, "Unique across the file."),
        "self": Key(_TEXT, True, 'The item as the leader reads it ("I ...").'),
        "others": Key(_TEXT, True, 'The item as a rater reads it ("This leader ...").'),
        "reverse": Key(Bool(), False, "A high rating is a bad sign; scored as min + max - x.", False),
        "area": Key(_TEXT, False, "Optional sub-area of the competency."),
    },
    noun="item",
    id_key="id",
    codes={"self": "item-text", "others": "item-text"},
)


def _dimension(noun: str) -> Obj:
    return Obj(
        {
            "id": Key(_SLUG, True, "Unique across the file."),
            "name": Key(_TEXT, True),
            "description": Key(_TEXT, True),
            "items": Key(Seq(ITEM, min_items=1, too_short_code="empty-competency"), True),
        },
        noun=noun,
        id_key="id",
        codes={"items": "empty-competency"},
    )


COMPETENCY = _dimension("competency")
VALUE = _dimension("value")

QUESTION = Obj(
    {
        "id": Key(_SLUG, True),
        "self": Key(_TEXT, True, "The prompt for the leader."),
        "others": Key(_TEXT, True, "The prompt for raters."),
        "groups": Key(Seq(_GROUP, min_items=1), False, "Ask only these rater groups."),
    },
    noun="question",
    id_key="id",
    codes={"self": "item-text", "others": "item-text"},
)

IMPORTANCE = Obj(
    {
        "self": Key(_TEXT, True, "The question for the leader, asked of each competency."),
        "others": Key(_TEXT, True, "The question for the groups asked, asked of each competency."),
        "groups": Key(Seq(_GROUP, min_items=1), False, "Who is asked. Default: self and manager."),
    },
    noun="importance question",
    codes={"self": "item-text", "others": "item-text"},
)

ACTION = Obj(
    {
        "title": Key(_TEXT, True),
        "do": Key(_TEXT, True, "A specific, doable step."),
        "why": Key(_TEXT, True, "Why it helps."),
    },
    noun="development action",
    id_key="title",
)

DEVELOPMENT = Obj(
    {
        "competency": Key(_SLUG, True, "A competency or value id."),
        "actions": Key(Seq(ACTION, min_items=1), True),
    },
    noun="development entry",
    id_key="competency",
)

SCORING = Obj(
    {
        "blind_spot_gap": Key(Num(minimum=0), False, "Self above others by at least this.", 0.75),
        "hidden_strength_gap": Key(Num(minimum=0), False, "Others above self by at least this.", 0.75),
        "agreement_gap": Key(Num(minimum=0), False, "|self - others| below this: agreement.", 0.5),
        "high_score": Key(Num(), False, "Others' mean at or above this is high.", 4.0),
        "min_item_fraction": Key(
            Num(minimum=0, maximum=1), False, "Share of a competency's items a rater must answer.", 0.5
        ),
        "low_consensus_rwg": Key(Num(minimum=0, maximum=1), False, "rwg below this: low consensus.", 0.7),
        "min_comment_raters": Key(
            Int(minimum=0),
            False,
            "Comments shown only when the groups asked have at least this many raters together.",
            0,
        ),
    },
    noun="scoring",
)

INSTRUMENT = Obj(
    {
        "id": Key(_SLUG, True, "Used on the command line, e.g. psl-360."),
        "version": Key(Str(max_length=100), True, 'The instrument\'s version; quote it ("1.0").'),
        "title": Key(_TEXT, True),
        "description": Key(_TEXT, True),
        "language": Key(
            Str(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$", "a BCP 47 tag such as en or fr-CA"), False, "", "en"
        ),
        "credits": Key(_TEXT, False, "Attribution of the model the instrument is built on."),
        "scale": Key(SCALE, True),
        "rater_groups": Key(
            Seq(RATER_GROUP, min_items=1), False, "Default: self, manager, peer, direct_report, other."
        ),
        "competencies": Key(Seq(COMPETENCY, min_items=1), True),
        "values": Key(Seq(VALUE), False, "Core values, scored like competencies."),
        "questions": Key(Seq(QUESTION), False, "Open-ended prompts."),
        "importance": Key(
            IMPORTANCE,
            False,
            "Optional: how important each competency is for success in the leader's role, answered on "
            "the scale; it orders the development priorities.",
        ),
        "development": Key(Seq(DEVELOPMENT), False, "Suggested development actions."),
        "scoring": Key(SCORING, False),
    },
    noun="instrument",
)


def to_json_schema(spec: Spec = INSTRUMENT, top: bool = True) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) equivalent of ``spec``."""
    out: dict[str, Any]
    if isinstance(spec, Str):
        out = {"type": "string", "minLength": 1, "maxLength": spec.max_length}
        if spec.pattern:
            out["pattern"] = spec.pattern
    elif isinstance(spec, Int):
        out = {"type": "integer"}
        if spec.minimum is not None:
            out["minimum"] = spec.minimum
        if spec.maximum is not None:
            out["maximum"] = spec.maximum
    elif isinstance(spec, Num):
        out = {"type": "number"}
        if spec.minimum is not None:
            out["minimum"] = spec.minimum
        if spec.maximum is not None:
            out["maximum"] = spec.maximum
    elif isinstance(spec, Bool):
        out = {"type": "boolean"}
    elif isinstance(spec, Seq):
        out = {"type": "array", "items": to_json_schema(spec.of, top=False)}
        if spec.min_items:
            out["minItems"] = spec.min_items
    else:
        properties: dict[str, Any] = {}
        for name, key in spec.keys.items():
            prop = to_json_schema(key.spec, top=False)
            if key.description:
                prop["description"] = key.description
            if key.default is not None:
                prop["default"] = key.default
            properties[name] = prop
        out = {
            "type": "object",
            "properties": properties,
            "required": [name for name, key in spec.keys.items() if key.required],
            "additionalProperties": False,
        }
        if spec.description:
            out["description"] = spec.description
    if top:
        out = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": SCHEMA_ID,
            "title": "leadcheck instrument",
            "description": "A 360-degree assessment instrument for leadcheck. See docs/instrument-format.md.",
            **out,
        }
    return out
