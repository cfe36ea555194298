"""Instrument validation: every problem in a file, each with its position, as values."""

from __future__ import annotations

import difflib
import itertools
import json
import math
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from leadcheck.base import text as txt
from leadcheck.base import yamlsafe
from leadcheck.base.problems import ERROR, WARNING, Location, Problem
from leadcheck.base.yamlsafe import Mark, Node
from leadcheck.instrument import spec as S
from leadcheck.instrument.model import (
    DEFAULT_IMPORTANCE_GROUPS,
    DEFAULT_MIN_RATERS,
    DEFAULT_OPTIONAL,
    DEFAULT_RATER_GROUPS,
    FALLBACK_MIN_RATERS,
    Competency,
    DevelopmentAction,
    Importance,
    Instrument,
    Item,
    Question,
    RaterGroup,
    Scale,
    ScalePoint,
    ScoringSettings,
)

__all__ = [
    "ERROR",
    "WARNING",
    "Problem",
    "ValidationResult",
    "validate_bytes",
    "validate_file",
    "validate_text",
]


@dataclass
class ValidationResult:
    """The problems found in one file and, when there are no errors, the instrument."""

    path: str
    problems: list[Problem] = field(default_factory=list)
    instrument: Instrument | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def ok_strict(self, strict: bool) -> bool:
        return not self.problems if strict else self.ok


class _Collector:
    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def add(self, mark: Mark, code: str, message: str, level: str = ERROR) -> None:
        self.problems.append(Problem(Location(self.path, mark.line, mark.column), level, code, message))


# Messages quote at most this much of a value: the token at the reported position, never more
# of the file (a pasted secret, a line of another file).
QUOTE_LIMIT = 40


# C0 controls but tab and line feed, DEL, C1 controls, and the bidirectional overrides and isolates.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _q(value: Any) -> str:
    """``value`` quoted for a message: one line, control characters escaped, at most QUOTE_LIMIT long."""
    text = json.dumps(value if isinstance(value, str) else str(value), ensure_ascii=False)[1:-1]
    if len(text) > QUOTE_LIMIT:
        text = text[: QUOTE_LIMIT - 3] + "..."
    return f'"{text}"'


def _n(value: Any) -> str:
    """A number for a message, shortened like any other value when it is absurdly long."""
    text = str(value)
    return text if len(text) <= QUOTE_LIMIT else _q(text)


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"{'true' if value else 'false'}"
    if isinstance(value, int | float):
        return f"a number ({_n(value)})"
    if isinstance(value, str):
        return f"a string ({_q(value)})"
    return f"a {type(value).__name__}"


def _found(node: Node) -> str:
    if node.kind == "mapping":
        return "a mapping"
    if node.kind == "sequence":
        return "a list"
    return _describe(node.value)


def _label(node: Node, obj: S.Obj, index: int | None) -> str:
    if obj.noun == "instrument":
        return "the instrument"
    if obj.id_key:
        id_node = node.get(obj.id_key) if node.kind == "mapping" else None
        if (
            id_node is not None
            and id_node.kind == "scalar"
            and isinstance(id_node.value, str | int)
            and not isinstance(id_node.value, bool)
            and str(id_node.value).strip()
        ):
            value = id_node.value
            return f"{obj.noun} {_n(value)}" if isinstance(value, int) else f"{obj.noun} {_q(value)}"
    if index is not None:
        return f"{obj.noun} #{index + 1}"
    return f"the {obj.noun}"


def _check(node: Node, spec: S.Spec, where: str, out: _Collector, index: int | None = None) -> None:
    """Structural checks of ``node`` against ``spec``; ``where`` names the value in messages."""
    if isinstance(spec, S.Obj):
        _check_mapping(node, spec, where, out, index)
    elif isinstance(spec, S.Seq):
        _check_list(node, spec, where, out)
    elif node.kind != "scalar":
        out.add(node.mark, "type", f"{where} should be {spec.type_name}, found {_found(node)}")
    elif isinstance(spec, S.Str):
        _check_text(node, spec, where, out)
    elif isinstance(spec, S.Bool):
        if not isinstance(node.value, bool):
            out.add(node.mark, "type", f"{where} should be true or false, found {_describe(node.value)}")
    else:
        _check_number(node, spec, where, out)


def _check_mapping(node: Node, spec: S.Obj, where: str, out: _Collector, index: int | None) -> None:
    """A mapping: known keys only, required keys present and not empty, each value checked."""
    if node.kind != "mapping":
        out.add(node.mark, "type", f"{where} should be a mapping, found {_found(node)}")
        return
    label = _label(node, spec, index)
    known = list(spec.keys)
    present = set()
    for key_node, value_node in node.pairs:
        key = key_node.value
        if not isinstance(key, str):
            out.add(key_node.mark, "type", f"keys of {label} should be strings, found {_describe(key)}")
            continue
        present.add(key)
        if key not in spec.keys:
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            hint = f'; did you mean "{close[0]}"?' if close else f"; expected one of: {', '.join(known)}"
            out.add(key_node.mark, "unknown-key", f"unknown key {_q(key)} in {label}{hint}")
            continue
        key_spec = spec.keys[key]
        if value_node.kind == "scalar" and value_node.value is None and key_spec.required:
            code = spec.codes.get(key, "missing-key")
            out.add(value_node.mark, code, f"{_q(key)} of {label} is empty; give it a value")
            continue
        if value_node.kind == "scalar" and value_node.value is None:
            continue  # an optional key left empty means "use the default"
        _check(value_node, key_spec.spec, f'"{key}" of {label}', out)
    for name, key_spec in spec.keys.items():
        if key_spec.required and name not in present:
            code = spec.codes.get(name, "missing-key")
            if code == "item-text":
                out.add(node.mark, code, f'{label} has no "{name}" text')
            elif code == "empty-competency":
                out.add(node.mark, code, f'{label} has no "items"; a {spec.noun} needs at least one item')
            else:
                out.add(node.mark, code, f'{label} has no "{name}"; add the "{name}" key')


def _check_list(node: Node, spec: S.Seq, where: str, out: _Collector) -> None:
    """A list: long enough, each entry checked."""
    if node.kind != "sequence":
        out.add(node.mark, "type", f"{where} should be a list, found {_found(node)}")
        return
    if len(node.items) < spec.min_items:
        out.add(
            node.mark,
            spec.too_short_code,
            f"{where} should have at least {txt.count(spec.min_items, 'entry', 'entries')}, found none",
        )
    for i, child in enumerate(node.items):
        _check(child, spec.of, f"entry #{i + 1} of {where}", out, index=i)


def _check_text(node: Node, spec: S.Str, where: str, out: _Collector) -> None:
    """A string: not empty, no terminal controls, not too long, matching its pattern."""
    value = node.value
    if not isinstance(value, str):
        if isinstance(value, bool):
            found = f'{_describe(value)} (YAML reads an unquoted {node.raw} as {_describe(value)}; write "{node.raw}" in quotes)'
            out.add(node.mark, "type", f"{where} should be a string, found {found}")
        else:
            hint = " (quote it)" if isinstance(value, int | float) else ""
            out.add(node.mark, "type", f"{where} should be a string{hint}, found {_describe(value)}")
        return
    if not value.strip():
        out.add(node.mark, "empty-text", f"{where} is empty; write the text")
        return
    bad = _UNPRINTABLE.search(value)
    if bad is not None:
        # Instrument text is printed to raters' terminals by assess and rate: an escape
        # sequence there could rewrite the screen, a direction override hide the wording.
        out.add(
            node.mark,
            "control-character",
            f"{where} holds the control character U+{ord(bad.group()):04X}; instrument text may "
            "hold line breaks and tabs, but no terminal escapes or direction overrides: remove it",
        )
        return
    if len(value) > spec.max_length:
        out.add(node.mark, "too-long", f"{where} is longer than {spec.max_length} characters")
    # fullmatch: with re.match, "$" also matches before a final newline, and "l-1\n" passed.
    if spec.pattern and not re.fullmatch(spec.pattern, value):
        out.add(node.mark, "id-format", f"{where} should be {spec.pattern_hint}, found {_q(value)}")


def _check_number(node: Node, spec: S.Int | S.Num, where: str, out: _Collector) -> None:
    """An integer or number: finite, within its bounds."""
    value = node.value
    numeric = isinstance(value, int) or (isinstance(spec, S.Num) and isinstance(value, float))
    if isinstance(value, bool) or not numeric:
        out.add(node.mark, "type", f"{where} should be {spec.type_name}, found {_describe(value)}")
        return
    if isinstance(value, float) and not math.isfinite(value):
        # .nan and .inf (or 1e999) are floats to YAML, but no threshold or score.
        out.add(node.mark, "type", f"{where} should be a finite number, found {node.raw}")
        return
    code = spec.range_code
    if spec.minimum is not None and value < spec.minimum:
        out.add(node.mark, code, f"{where} should be at least {spec.minimum}, found {_n(value)}")
    elif spec.maximum is not None and value > spec.maximum:
        out.add(node.mark, code, f"{where} should be at most {spec.maximum}, found {_n(value)}")


def _norm_text(text: str) -> str:
    return re.sub(r"[\W_]+", " ", text.casefold()).strip()


def _semantic(root: Node, out: _Collector) -> None:
    """Checks across the file: unique ids, scale shape, references."""
    points = _check_scale(root, out)
    group_ids = _check_rater_groups(root, out)
    ids = _Ids(out)
    dim_ids = _check_dimensions(root, ids, out)
    _check_questions(root, ids, group_ids, out)
    _check_importance(root, group_ids, out)
    _check_development(root, dim_ids, out)
    _check_high_score(root, points, out)


def _entries(root: Node, key: str) -> list[Node]:
    """The mappings listed under ``key`` (others are reported by the structural checks)."""
    n = root.get(key)
    return [e for e in n.items if e.kind == "mapping"] if n is not None and n.kind == "sequence" else []


class _Ids:
    """Competency, value, item and question ids: one namespace, each id used once in the file."""

    def __init__(self, out: _Collector) -> None:
        self.out = out
        self.seen: dict[str, tuple[str, Mark]] = {}

    def claim(self, node: Node | None, what: str) -> None:
        if node is None or node.kind != "scalar" or not isinstance(node.value, str):
            return
        first = self.seen.get(node.value)
        if first is not None:
            self.out.add(
                node.mark,
                "duplicate-id",
                f"{what} id {_q(node.value)} is already used by the {first[0]} at line {first[1].line}; ids must be unique across the file",
            )
        else:
            self.seen[node.value] = (what, node.mark)


def _check_scale(root: Node, out: _Collector) -> Node | None:
    """Scale points: consecutive ascending integers, each with its own label. Returns the points node."""
    scale = root.get("scale")
    points = scale.get("points") if scale is not None and scale.kind == "mapping" else None
    if points is None or points.kind != "sequence":
        return points
    values: list[tuple[int, Mark]] = []
    for p in points.items:
        v = p.get("value") if p.kind == "mapping" else None
        if v is not None and isinstance(v.value, int) and not isinstance(v.value, bool):
            values.append((v.value, v.mark))
    for (prev, _), (cur, mark) in itertools.pairwise(values):
        if cur != prev + 1:
            out.add(
                mark,
                "scale-points",
                f"scale point {cur} follows {prev}; points should be consecutive integers in ascending order",
            )
    labels: dict[str, Mark] = {}
    for p in points.items:
        lab = p.get("label") if p.kind == "mapping" else None
        if lab is not None and isinstance(lab.value, str):
            key = _norm_text(lab.value)
            if key in labels:
                out.add(
                    lab.mark,
                    "scale-label",
                    f"scale label {_q(lab.value)} is used twice; each point needs its own label",
                )
            labels[key] = lab.mark
    return points


def _check_rater_groups(root: Node, out: _Collector) -> set[str]:
    """Rater group ids, each defined once; the ids of the file (or the default groups)."""
    group_ids: set[str] = set()
    if root.get("rater_groups") is None:
        group_ids = {g for g, _ in DEFAULT_RATER_GROUPS}
    for g in _entries(root, "rater_groups"):
        gid = g.get("id")
        if gid is not None and isinstance(gid.value, str):
            if gid.value in group_ids:
                out.add(gid.mark, "duplicate-id", f"rater group {_q(gid.value)} is defined twice")
            group_ids.add(gid.value)
    return group_ids


def _check_dimensions(root: Node, ids: _Ids, out: _Collector) -> set[str]:
    """Competencies, values and their items: unique ids, distinct texts. Returns the dimension ids."""
    dim_ids: set[str] = set()
    texts: dict[tuple[str, str], tuple[str, Mark]] = {}
    for key, noun in (("competencies", "competency"), ("values", "value")):
        for dim in _entries(root, key):
            did = dim.get("id")
            ids.claim(did, noun)
            if did is not None and isinstance(did.value, str):
                dim_ids.add(did.value)
            items = dim.get("items")
            if items is None or items.kind != "sequence":
                continue
            for item in items.items:
                if item.kind == "mapping":
                    ids.claim(item.get("id"), "item")
                    _check_item_texts(item, texts, out)
    return dim_ids


def _check_item_texts(item: Node, texts: dict[tuple[str, str], tuple[str, Mark]], out: _Collector) -> None:
    """A warning when an item reads like an earlier one (``texts``: each side's texts so far)."""
    iid = item.get("id")
    name = f"item {_q(iid.value)}" if iid is not None and isinstance(iid.value, str) else "item"
    for side in ("self", "others"):
        t = item.get(side)
        if t is None or not isinstance(t.value, str) or not t.value.strip():
            continue
        k = (side, _norm_text(t.value))
        if k in texts:
            other, mark = texts[k]
            out.add(
                t.mark,
                "duplicate-text",
                f'{name} has the same "{side}" text as {other} at line {mark.line}; raters will not tell them apart',
                WARNING,
            )
        else:
            texts[k] = (name, t.mark)


def _check_questions(root: Node, ids: _Ids, group_ids: set[str], out: _Collector) -> None:
    """Open questions: ids unique with the items', rater groups defined."""
    for q in _entries(root, "questions"):
        ids.claim(q.get("id"), "question")
        qgroups = q.get("groups")
        if qgroups is not None and qgroups.kind == "sequence":
            for g in qgroups.items:
                if isinstance(g.value, str) and group_ids and g.value not in group_ids:
                    out.add(g.mark, "undefined-reference", _undefined("rater group", g.value, group_ids))


def _check_importance(root: Node, group_ids: set[str], out: _Collector) -> None:
    """The importance question asks only rater groups the instrument defines, each shown from one rater.

    Importance answers order the development priorities and are never pooled
    or thresholded: asked of a protected group, one rater's answers would move
    what the report names (and a held report would still move), so only the
    leader and groups whose answers are shown as theirs may be asked.
    """
    node = root.get("importance")
    groups = node.get("groups") if node is not None and node.kind == "mapping" else None
    if groups is None or groups.kind != "sequence":
        return
    thresholds = _group_thresholds(root)
    for g in groups.items:
        if not isinstance(g.value, str):
            continue
        if group_ids and g.value not in group_ids:
            out.add(g.mark, "undefined-reference", _undefined("rater group", g.value, group_ids))
        elif thresholds.get(g.value, 1) > 1:
            out.add(
                g.mark,
                "protected-importance",
                f'importance.groups: "{g.value}" needs {thresholds[g.value]} raters to be shown, but importance '
                "answers are never pooled; ask only self and groups with min_raters: 1 (e.g. manager)",
            )


def _group_thresholds(root: Node) -> dict[str, int]:
    """Each rater group's min_raters as the file writes it (or its default)."""
    out: dict[str, int] = {}
    for g in _entries(root, "rater_groups"):
        ident, minimum = g.get("id"), g.get("min_raters")
        if ident is None or not isinstance(ident.value, str):
            continue
        given = minimum.value if minimum is not None and isinstance(minimum.value, int) else None
        out[ident.value] = given or DEFAULT_MIN_RATERS.get(ident.value, FALLBACK_MIN_RATERS)
    if not _entries(root, "rater_groups"):
        out = {g: DEFAULT_MIN_RATERS.get(g, FALLBACK_MIN_RATERS) for g, _ in DEFAULT_RATER_GROUPS}
    return out


def _check_development(root: Node, dim_ids: set[str], out: _Collector) -> None:
    """Development entries refer to competencies or values, each at most once."""
    dev_seen: dict[str, Mark] = {}
    for d in _entries(root, "development"):
        ref = d.get("competency")
        if ref is None or not isinstance(ref.value, str):
            continue
        if dim_ids and ref.value not in dim_ids:
            out.add(ref.mark, "undefined-reference", _undefined("competency or value", ref.value, dim_ids))
        elif ref.value in dev_seen:
            out.add(
                ref.mark,
                "duplicate-id",
                f"development for {_q(ref.value)} is already given at line {dev_seen[ref.value].line}; merge the two entries",
            )
        dev_seen.setdefault(ref.value, ref.mark)


def _check_high_score(root: Node, points: Node | None, out: _Collector) -> None:
    """The scoring's high_score lies on the scale."""
    scoring = root.get("scoring")
    high = scoring.get("high_score") if scoring is not None and scoring.kind == "mapping" else None
    if high is None or not isinstance(high.value, int | float) or points is None or points.kind != "sequence":
        return
    nums = [
        v.value
        for p in points.items
        if p.kind == "mapping" and (v := p.get("value")) is not None and isinstance(v.value, int)
    ]
    if nums and not min(nums) <= high.value <= max(nums):
        out.add(
            high.mark,
            "range",
            f'"high_score" of the scoring should lie on the scale ({min(nums)} to {max(nums)}), found {_n(high.value)}',
        )


def _undefined(what: str, value: str, known: Iterable[str]) -> str:
    known = sorted(known)
    close = difflib.get_close_matches(value, known, n=1, cutoff=0.6)
    hint = f'did you mean "{close[0]}"?' if close else f"defined: {', '.join(known)}"
    return f"{what} {_q(value)} is not defined; {hint}"


def _build(data: dict[str, Any], text: str) -> Instrument:
    """The typed instrument from plain data that has passed every check."""
    scale = _scale(data["scale"])
    questions = tuple(
        Question(q["id"], q["self"], q["others"], tuple(q["groups"]) if q.get("groups") else None)
        for q in data.get("questions") or []
    )
    development = {
        d["competency"]: tuple(DevelopmentAction(a["title"], a["do"], a["why"]) for a in d["actions"])
        for d in data.get("development") or []
    }
    scoring_data: dict[str, Any] = {
        k: int(v) if k == "min_comment_raters" else float(v)
        for k, v in (data.get("scoring") or {}).items()
        if v is not None
    }
    return Instrument(
        id=data["id"],
        version=str(data["version"]),
        title=data["title"],
        description=data["description"],
        scale=scale,
        rater_groups=_rater_groups(data),
        competencies=_dimensions(data, "competencies", "competency"),
        values=_dimensions(data, "values", "value"),
        questions=questions,
        development=development,
        scoring=ScoringSettings.for_scale(scale.min, scale.max, **scoring_data),
        language=data.get("language") or "en",
        credits=data.get("credits"),
        source_text=text,
        importance=_importance(data.get("importance")),
    )


def _importance(data: dict[str, Any] | None) -> Importance | None:
    if not data:
        return None
    groups = tuple(data["groups"]) if data.get("groups") else DEFAULT_IMPORTANCE_GROUPS
    return Importance(data["self"], data["others"], groups)


def _scale(sc: dict[str, Any]) -> Scale:
    """The answer scale; "not observed" is offered unless switched off."""
    return Scale(
        points=tuple(ScalePoint(p["value"], p["label"]) for p in sc["points"]),
        not_observed=sc.get("not_observed", True) is not False,
        not_observed_label=sc.get("not_observed_label") or "Not observed",
    )


def _rater_groups(data: dict[str, Any]) -> tuple[RaterGroup, ...]:
    """The instrument's rater groups (the default ones when it names none), with their thresholds."""
    groups_data = data.get("rater_groups") or [{"id": g, "label": label} for g, label in DEFAULT_RATER_GROUPS]
    return tuple(
        RaterGroup(
            g["id"],
            g["label"],
            g.get("min_raters") or DEFAULT_MIN_RATERS.get(g["id"], FALLBACK_MIN_RATERS),
            g["optional"] if isinstance(g.get("optional"), bool) else g["id"] in DEFAULT_OPTIONAL,
        )
        for g in groups_data
    )


def _dimensions(data: dict[str, Any], key: str, kind: str) -> tuple[Competency, ...]:
    """The competencies (or values) under ``key``, with their items."""
    return tuple(
        Competency(
            d["id"],
            d["name"],
            d["description"],
            tuple(
                Item(i["id"], i["self"], i["others"], bool(i.get("reverse") or False), i.get("area"))
                for i in d["items"]
            ),
            kind,
        )
        for d in data.get(key) or []
    )


def validate_text(text: str, path: str = "<string>") -> ValidationResult:
    """Validate instrument YAML text; the result holds every problem and, if valid, the instrument."""
    out = _Collector(path)
    result = ValidationResult(path)
    try:
        root = yamlsafe.parse(text)
    except yamlsafe.YamlReadError as e:
        out.add(e.issue.mark, e.issue.code, e.issue.message)
        result.problems = sorted(out.problems)
        return result
    for first, again in yamlsafe.duplicate_keys(root):
        out.add(
            again.mark,
            "duplicate-key",
            f"key {_q(again.value)} is repeated (first at line {first.mark.line}); YAML keeps only one of them",
        )
    _check(root, S.INSTRUMENT, "the instrument", out)
    if root.kind == "mapping":
        _semantic(root, out)
    result.problems = sorted(set(out.problems))
    if result.ok:
        result.instrument = _build(root.to_python(), text)
    return result


def validate_bytes(data: bytes, path: str) -> ValidationResult:
    """Validate raw file bytes (decoding, binary and size checks first)."""
    try:
        if len(data) > yamlsafe.MAX_BYTES:
            raise yamlsafe.YamlReadError(
                yamlsafe.YamlIssue(
                    Mark(1, 1),
                    "file-too-large",
                    f"file is larger than {yamlsafe.MAX_BYTES // (1024 * 1024)} MiB; an instrument should be far smaller",
                )
            )
        text = yamlsafe.decode(data)
    except yamlsafe.YamlReadError as e:
        return ValidationResult(
            path,
            [
                Problem(
                    Location(path, e.issue.mark.line, e.issue.mark.column),
                    ERROR,
                    e.issue.code,
                    e.issue.message,
                )
            ],
        )
    return validate_text(text, path)


def leaves_folder(path: Path | str, within: Path | str) -> bool:
    """Whether ``path`` leads, through a symbolic link, to somewhere outside the folder ``within``."""
    absolute = Path(os.path.abspath(path))  # noqa: PTH100 - normalises "..", without following links
    real = Path(os.path.realpath(path))
    if real == absolute:
        return False  # no link on the way: a path the user typed, wherever it is
    return not real.is_relative_to(os.path.realpath(within))


def validate_file(path: Path | str, within: Path | str | None = None) -> ValidationResult:
    """Validate one instrument file; unreadable files become a problem, not an exception.

    With ``within``, a file that is a symbolic link to somewhere outside that
    folder is a problem and is never opened.
    """
    name = str(path)
    if within is not None and leaves_folder(path, within):
        where = "the current folder" if Path(within) == Path.cwd() else str(within)
        return ValidationResult(
            name,
            [
                Problem(
                    Location(name, 1, 1),
                    ERROR,
                    "outside-link",
                    f"is a symbolic link to a file outside {where}; leadcheck does not read it "
                    "(put the instrument itself in the folder)",
                )
            ],
        )
    if Path(path).exists() and not Path(path).is_file() and not Path(path).is_dir():
        # A FIFO or device would block or never end: refuse before opening it.
        return ValidationResult(
            name, [Problem(Location(name, 1, 1), ERROR, "unreadable", "is not a regular file")]
        )
    try:
        data = yamlsafe.read_bytes_bounded(path, yamlsafe.MAX_BYTES)
    except yamlsafe.YamlReadError as e:
        return ValidationResult(name, [Problem(Location(name, 1, 1), ERROR, e.issue.code, e.issue.message)])
    except IsADirectoryError:
        return ValidationResult(
            name, [Problem(Location(name, 1, 1), ERROR, "unreadable", "is a folder, not a file")]
        )
    except OSError as e:
        return ValidationResult(
            name,
            [Problem(Location(name, 1, 1), ERROR, "unreadable", f"cannot read the file: {e.strerror or e}")],
        )
    result = validate_bytes(data, name)
    reference = _schema_reference(data, Path(path), name)
    if reference is not None:
        result.problems = sorted([*result.problems, reference])
    return result


# Where editors find the instrument schema from anywhere (a relative path works only inside this repository).
SCHEMA_URL = "https://raw.githubusercontent.com/leadcheck/leadcheck/main/schema/instrument.schema.json"
_SCHEMA_COMMENT = re.compile(rb"^#\s*yaml-language-server:\s*\$schema=(\S+)", re.M)


def _schema_reference(data: bytes, path: Path, name: str) -> Problem | None:
    """A warning when the file's `$schema=` comment names a relative path that does not exist from
    its folder (an instrument copied out of this repository): an editor cannot check it there.
    The shipped instruments are left alone: their exact text is their content hash."""
    found = _SCHEMA_COMMENT.search(data[:4096])
    if found is None:
        return None
    reference = found[1].decode("utf-8", "replace")
    if "://" in reference or (path.parent / reference).is_file():
        return None
    from leadcheck.base.resources import instruments_dir

    if path.resolve().parent == instruments_dir().resolve():
        return None
    line = data[: found.start(1)].count(b"\n") + 1
    column = found.start(1) - (data.rfind(b"\n", 0, found.start(1)) + 1) + 1
    return Problem(
        Location(name, line, column),
        WARNING,
        "schema-reference",
        f'the schema "{reference}" does not exist from this file\'s folder, so an editor cannot check '
        f"the file; name it by URL: $schema={SCHEMA_URL}",
    )
