"""Norms: how leaders of past cohorts were rated, as aggregates only, and a leader's percentile against them.

A norms file holds, per competency (and value) and per item, over the leaders
of the cohorts it was built from: how many leaders had an all-others rating
(``n``), the mean and standard deviation of those leaders' all-others means,
and percentile points (5th to 95th, linear interpolation between order
statistics). No leader's name, answer or individual score is stored. A norms
file is refused below ``MIN_LEADERS`` leaders: with fewer, percentiles move in
steps too coarse to mean anything and a percentile point sits too close to one
person's figure.

A leader's percentile against the norms interpolates linearly between the
stored points; below the 5th or above the 95th it is reported as such.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from leadcheck import text as txt
from leadcheck.errors import LeadcheckError, NormsError, NotFoundError
from leadcheck.exact import canonical
from leadcheck.scoring import Scorecard

if TYPE_CHECKING:
    from leadcheck.store import Assessment, Store

FORMAT = "leadcheck-norms/1"
MIN_LEADERS = 10
POINTS = tuple(range(5, 100, 5))  # the percentile points stored: 5, 10, ..., 95


@dataclass(frozen=True)
class NormEntry:
    """The norm group's figures for one competency, value or item."""

    id: str
    n: int
    mean: float
    sd: float | None
    points: tuple[float, ...]  # one per POINTS


@dataclass(frozen=True)
class Norms:
    """A norm group: where it came from and its figures."""

    instrument_id: str
    instrument_versions: tuple[str, ...]
    source: str
    created: str
    leaders: int
    dimensions: dict[str, NormEntry]
    items: dict[str, NormEntry]

    def percentile(self, key: str, value: float | None, *, item: bool = False) -> Percentile | None:
        """Where ``value`` falls in the norm group for a competency (or item); None when not normed."""
        entry = (self.items if item else self.dimensions).get(key)
        if entry is None or value is None:
            return None
        return Percentile(position(canonical(value), entry.points), entry.n)


@dataclass(frozen=True)
class Percentile:
    """A percentile against a norm group of ``n`` leaders (``value`` is 0..100)."""

    value: float
    n: int

    @property
    def text(self) -> str:
        """As printed: "below the 5th", "62nd", "above the 95th"."""
        if self.value < POINTS[0]:
            return f"below the {ordinal(POINTS[0])}"
        if self.value > POINTS[-1]:
            return f"above the {ordinal(POINTS[-1])}"
        return ordinal(round(self.value))


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def quantile(sorted_values: Sequence[float], p: float) -> float:
    """The p-th percentile (0..100), linear between order statistics (Hyndman and Fan type 7)."""
    h = (len(sorted_values) - 1) * p / 100
    lo = math.floor(h)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (h - lo) * (sorted_values[hi] - sorted_values[lo])


def position(value: float, points: Sequence[float]) -> float:
    """The percentile of ``value`` from the stored points: linear between them; 0 or 100 outside."""
    if value < points[0]:
        return 0.0
    if value > points[-1]:
        return 100.0
    # Among equal points (many leaders on one figure), take the middle of the run.
    at = [p for p, v in zip(POINTS, points, strict=True) if v == value]
    if at:
        return (at[0] + at[-1]) / 2
    for (p0, v0), (p1, v1) in zip(
        zip(POINTS, points, strict=True), zip(POINTS[1:], points[1:], strict=True), strict=False
    ):
        if v0 < value < v1:
            return p0 + (p1 - p0) * (value - v0) / (v1 - v0)
    return 50.0  # unreachable: the value lies within the points


def _entry(key: str, values: Sequence[float]) -> NormEntry:
    ordered = sorted(canonical(v) for v in values)
    n = len(ordered)
    mean = math.fsum(ordered) / n
    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in ordered) / (n - 1)) if n > 1 else None
    return NormEntry(key, n, mean, sd, tuple(quantile(ordered, p) for p in POINTS))


@dataclass(frozen=True)
class LeaderFigures:
    """What a norm group takes from one leader: the all-others means their report publishes
    (None where it publishes none), in instrument order."""

    instrument_id: str
    version: str
    dimensions: dict[str, float | None]
    items: dict[str, float | None]

    @classmethod
    def of(cls, card: Scorecard) -> LeaderFigures:
        inst = card.instrument
        items: dict[str, float | None] = dict.fromkeys(inst.items)
        for d in card.dimensions:
            items.update({i.id: i.others.mean for i in d.items})
        return cls(inst.id, inst.version, {d.id: d.others.mean for d in card.dimensions}, items)

    def data(self) -> dict[str, Any]:
        """As JSON-able data (kept in the workspace by leadcheck.store.figurecache)."""
        return {
            "i": self.instrument_id,
            "v": self.version,
            "d": list(self.dimensions.items()),
            "t": list(self.items.items()),
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> LeaderFigures:
        return cls(data["i"], data["v"], dict(data["d"]), dict(data["t"]))

    @property
    def rated(self) -> bool:
        """Rated by others: some competency has an all-others mean."""
        return any(v is not None for v in self.dimensions.values())


def build(cards: Sequence[Scorecard], source: str, created: date | None = None) -> Norms:
    """Norms from leaders' scorecards (all on one instrument), refused below MIN_LEADERS leaders."""
    return build_from_figures([LeaderFigures.of(c) for c in cards], source, created)


def build_from_figures(leaders: Sequence[LeaderFigures], source: str, created: date | None = None) -> Norms:
    """Norms from leaders' published figures (all on one instrument), refused below MIN_LEADERS leaders."""
    if not leaders:
        raise NormsError("no scored leaders to build norms from")
    ids = sorted({f.instrument_id for f in leaders})
    if len(ids) > 1:
        raise NormsError(
            f"the leaders were assessed on different instruments ({', '.join(ids)}); "
            "build norms for one with --instrument"
        )
    rated = [f for f in leaders if f.rated]
    if len(rated) < MIN_LEADERS:
        raise NormsError(
            f"norms need at least {MIN_LEADERS} leaders rated by others; these cohorts have {len(rated)}. "
            "Add cohorts to the command"
        )
    dims: dict[str, list[float]] = {k: [] for k in leaders[0].dimensions}
    items: dict[str, list[float]] = {k: [] for k in leaders[0].items}
    for figures in rated:
        for key, value in figures.dimensions.items():
            if value is not None:
                dims.setdefault(key, []).append(value)
        for key, value in figures.items.items():
            if value is not None:
                items.setdefault(key, []).append(value)
    return Norms(
        instrument_id=ids[0],
        instrument_versions=tuple(sorted({f.version for f in leaders})),
        source=source,
        created=(created or date.today()).isoformat(),
        leaders=len(rated),
        # Figures rated for fewer than MIN_LEADERS leaders are left out, like the file as a whole.
        dimensions={k: _entry(k, v) for k, v in dims.items() if len(v) >= MIN_LEADERS},
        items={k: _entry(k, v) for k, v in items.items() if len(v) >= MIN_LEADERS},
    )


_HEADER = """\
# leadcheck norms: how leaders were rated by others (self excluded), as aggregates only.
# Per competency/value and item: n = leaders with an all-others rating, mean and sd of
# those leaders' all-others means, and percentile points p5..p95 (linear interpolation
# between order statistics). No names, answers or individual scores.
# Use with: leadcheck report LEADER --norms FILE, leadcheck cohort report COHORT --norms FILE
"""


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def _entry_data(e: NormEntry) -> dict[str, Any]:
    return {
        "id": e.id,
        "n": e.n,
        "mean": _round(e.mean),
        "sd": _round(e.sd),
        "percentiles": {f"p{p}": _round(v) for p, v in zip(POINTS, e.points, strict=True)},
    }


def _data(norms: Norms) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "instrument": {"id": norms.instrument_id, "versions": list(norms.instrument_versions)},
        "source": norms.source,
        "created": norms.created,
        "leaders": norms.leaders,
        "min_leaders": MIN_LEADERS,
        "measure": "each leader's all-others mean (self excluded), on the instrument's scale",
        "dimensions": [_entry_data(e) for e in norms.dimensions.values()],
        "items": [_entry_data(e) for e in norms.items.values()],
    }


def dump(norms: Norms) -> str:
    """The norms as the documented YAML text."""
    import yaml

    return _HEADER + yaml.safe_dump(_data(norms), sort_keys=False, allow_unicode=True, width=100)


def dump_json(norms: Norms) -> str:
    """The same norms as JSON (which `load` reads too: JSON is YAML)."""
    import json

    return json.dumps(_data(norms), indent=2, ensure_ascii=False) + "\n"


# How a norms file is written, by the output file's extension; anything else is YAML.
WRITERS = {".json": dump_json, ".yaml": dump, ".yml": dump}


def dump_for(path: Path, norms: Norms) -> str:
    """The norms in the format ``path``'s extension names: JSON for .json, else YAML."""
    return WRITERS.get(path.suffix.lower(), dump)(norms)


def norms_digest(norms: Norms | None) -> str:
    """A hash of the norm group's figures: reports made against it change when it does."""
    import hashlib

    return "" if norms is None else hashlib.sha256(dump(norms).encode("utf-8")).hexdigest()


def _fail(path: Path, what: str) -> NormsError:
    return NormsError(f"{path}: {what}; build a norms file with `leadcheck norms build COHORT... -o FILE`")


def _number(path: Path, where: str, value: Any) -> float:
    if value is None:
        raise _fail(path, f"{where} is missing")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _fail(path, f"{where} should be a number, found {type(value).__name__}")
    return float(value)


def _parse_entries(path: Path, data: Any, key: str) -> dict[str, NormEntry]:
    rows = data.get(key)
    if not isinstance(rows, list):
        raise _fail(path, f'"{key}" should be a list')
    out: dict[str, NormEntry] = {}
    for n, row in enumerate(rows, 1):
        where = f"{key}[{n}]"
        if not isinstance(row, dict) or not isinstance(row.get("id"), str):
            raise _fail(path, f"{where} should be a mapping with an id")
        count = row.get("n")
        if isinstance(count, bool) or not isinstance(count, int) or count < MIN_LEADERS:
            raise _fail(path, f"{where}.n should be a whole number of at least {MIN_LEADERS}")
        pct = row.get("percentiles")
        if not isinstance(pct, dict):
            raise _fail(path, f"{where}.percentiles should be a mapping p5..p95")
        points = tuple(_number(path, f"{where}.percentiles.p{p}", pct.get(f"p{p}")) for p in POINTS)
        if any(b < a for a, b in itertools.pairwise(points)):
            raise _fail(path, f"{where}.percentiles should not decrease from p5 to p95")
        sd = row.get("sd")
        out[row["id"]] = NormEntry(
            row["id"],
            count,
            _number(path, f"{where}.mean", row.get("mean")),
            None if sd is None else _number(path, f"{where}.sd", sd),
            points,
        )
    return out


def load(path: Path) -> Norms:
    """Read a norms file, checking every field; NormsError names the file and what is wrong."""
    from leadcheck.yamlsafe import YamlReadError, decode, parse, read_bytes_bounded

    try:
        data = parse(decode(read_bytes_bounded(path))).to_python()
    except YamlReadError as e:
        raise _fail(path, f"not a readable norms file ({e.issue.message})") from e
    except OSError as e:
        raise NormsError(f"{path}: cannot read the norms file ({e.strerror or type(e).__name__})") from e
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise _fail(path, f'not a leadcheck norms file (no "format: {FORMAT}")')
    inst = data.get("instrument")
    if not isinstance(inst, dict) or not isinstance(inst.get("id"), str):
        raise _fail(path, '"instrument" should hold the instrument\'s id')
    leaders = data.get("leaders")
    if isinstance(leaders, bool) or not isinstance(leaders, int) or leaders < MIN_LEADERS:
        raise _fail(path, f'"leaders" should be a whole number of at least {MIN_LEADERS}')
    versions = inst.get("versions") or []
    return Norms(
        instrument_id=inst["id"],
        instrument_versions=tuple(str(v) for v in versions) if isinstance(versions, list) else (),
        source=str(data.get("source", "")),
        created=str(data.get("created", "")),
        leaders=leaders,
        dimensions=_parse_entries(path, data, "dimensions"),
        items=_parse_entries(path, data, "items"),
    )


def check_instrument(norms: Norms, instrument_id: str, origin: str) -> None:
    """NormsError when the norms were built on another instrument than the report's."""
    if norms.instrument_id != instrument_id:
        raise NormsError(
            f"{origin}: the norms are for instrument {norms.instrument_id}, the report is on {instrument_id}; "
            "build norms from cohorts assessed on the same instrument"
        )


def build_from_store(
    store: Store,
    cohorts: Sequence[str],
    instrument_id: str | None = None,
    scored: Mapping[int, Scorecard] | None = None,
) -> Norms:
    """Norms from each leader's latest assessment (on ``instrument_id``) in the named cohorts.

    ``scored`` holds scorecards the caller made already, by assessment id: those are not
    scored again (a report's own leader is part of its cohort). Every other leader's
    figures come from the workspace's figure cache while their answers, releases and
    instrument are unchanged (leadcheck.store.figurecache), else from scoring them now.
    """
    from leadcheck.store import assessments

    known = set(store.cohorts())
    missing = [c for c in cohorts if c not in known]
    if missing:
        raise NotFoundError(
            f'no cohort "{missing[0]}" in {store.path} (cohorts: {", ".join(sorted(known)) or "none yet"})'
        )
    # A leader without an assessment (on this instrument) is not in the norm group.
    latest = [
        a
        for cohort in dict.fromkeys(cohorts)
        for a in assessments.current_in_cohort(store, cohort, instrument_id)
    ]
    named = list(dict.fromkeys(cohorts))
    return build_from_figures(
        leader_figures(store, latest, scored or {}), f"{txt.plural(len(named), 'cohort')} {', '.join(named)}"
    )


def leader_figures(
    store: Store, latest: Sequence[Assessment], scored: Mapping[int, Scorecard]
) -> list[LeaderFigures]:
    """The published figures of each assessment: from ``scored``, else kept ones still current, else scored now
    (and kept for next time)."""
    from leadcheck.scorecards import score_assessment
    from leadcheck.store import figurecache

    to_look_up = [a.id for a in latest if a.id not in scored]
    state = figurecache.states(store, to_look_up, _code_state())
    kept = figurecache.kept(store, state)
    out: list[LeaderFigures] = []
    new: list[tuple[int, str, Any]] = []
    for assessment in latest:
        if assessment.id in scored:
            out.append(LeaderFigures.of(scored[assessment.id]))
        elif assessment.id in kept:
            out.append(LeaderFigures.from_data(kept[assessment.id]))
        else:
            figures = LeaderFigures.of(score_assessment(store, assessment))
            new.append((assessment.id, state[assessment.id], figures.data()))
            out.append(figures)
    figurecache.keep(store, new)
    return out


@functools.cache
def _code_state() -> str:
    """The code that turns answers into published figures: kept figures made by other code are not used."""
    import leadcheck
    from leadcheck import anonymity, exact, releases, scoring, stats

    digest = hashlib.sha256(leadcheck.__version__.encode())
    for module in (anonymity, exact, releases, scoring, stats, sys.modules[__name__]):
        try:
            digest.update(Path(module.__file__ or "").read_bytes())
        except OSError:
            digest.update(module.__name__.encode())
    return digest.hexdigest()


def cohort_norms(
    store: Store, cohort: str | None, instrument_id: str, scored: Mapping[int, Scorecard] | None = None
) -> Norms | None:
    """The leader's own cohort as the comparison group, when it has at least MIN_LEADERS rated leaders."""
    if not cohort:
        return None
    try:
        norms = build_from_store(store, [cohort], instrument_id, scored)
    except LeadcheckError:
        return None
    return replace(norms, source=f"this cohort, {cohort}", created="")
