"""Norms: how leaders of past cohorts were rated, as differentially private aggregates, and a leader's percentile against them.

Exact percentile points and means give every leader's figure back (with n
leaders, the 19 points are 19 equations in n order statistics), and two files
built before and after a late rater give that rater's ratings. No rounding or
grouping rule prevents the second: whenever a leader's figure visibly crosses
a boundary, the direction of the crossing can pin a rating at the scale's end.
So a norm group is published through one randomised mechanism, ``histogram``,
whose parameters every file names:

- per competency, value and item, the leaders' figures (their all-others
  means) are counted in fixed bins ``BIN`` scale points wide over the
  instrument's scale, and every count gets two-sided geometric noise
  (discrete Laplace) of parameter exp(-EPSILON / SENSITIVITY), then is
  clipped at 0;
- everything published about the figures (the noisy counts, the mean of the
  bins' midpoints, the percentile points as if each bin's leaders were spread
  evenly across it) is computed from the noisy counts alone; ``n`` is the
  number of leaders, which says who is in the group, not how they were rated.

Changing one leader's figure (a late rater, a corrected answer) moves one
count from a bin to another: SENSITIVITY = 2. So each published figure is
EPSILON-differentially private for each leader's figure: whatever a reader
knows besides, any file makes no statement about one leader's figure more than
e^EPSILON times likelier than without it, and k files built on overlapping
cohorts at most e^(k * EPSILON). The noise is drawn afresh for each state of
the data (from the workspace's key and a digest of the figures: building the
same data again gives the same file, so rebuilding cannot average the noise
away). The comparison with a leader's own cohort in a report
(``cohort_norms``) is built the same way. A norms file is refused below
``MIN_LEADERS`` leaders.

A leader's percentile against the norms interpolates linearly between the
stored points; below the 5th or above the 95th it is reported as such.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import random
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from leadcheck.base import text as txt
from leadcheck.base.codeversion import code_version
from leadcheck.base.errors import LeadcheckError, NormsError, NotFoundError
from leadcheck.base.exact import canonical, exact
from leadcheck.scoring import Scorecard
from leadcheck.store.figurecache import enabled as figures_kept

if TYPE_CHECKING:
    from leadcheck.store import Assessment, Store

# 2: figures published through the bands mechanism (see the module's docstring); 1 held exact points.
FORMAT = "leadcheck-norms/2"
OLD_FORMATS = ("leadcheck-norms/1",)
MIN_LEADERS = 10
POINTS = tuple(range(5, 100, 5))  # the percentile points stored: 5, 10, ..., 95
MECHANISM = "histogram"
EPSILON = 1.0  # the privacy loss of one published figure (competency, value or item) per file
BIN = Fraction(1, 2)  # the width of the histogram's bins, in scale points
SENSITIVITY = 2  # one leader's figure changing moves one count from a bin to another


def bin_count(low: int, high: int) -> int:
    """How many bins cover the scale low..high (the top value falls in the last bin)."""
    return max(1, math.ceil((high - low) / BIN))


def histogram(values: Sequence[float], low: int, high: int) -> list[int]:
    """How many figures fall in each bin of the scale (exact counts: never published as such)."""
    counts = [0] * bin_count(low, high)
    for v in values:
        at = math.floor((exact(v) - low) / BIN)
        counts[min(max(at, 0), len(counts) - 1)] += 1
    return counts


def noise(rng: random.Random) -> int:
    """Two-sided geometric noise: P(z) proportional to alpha^|z|, alpha = exp(-EPSILON / SENSITIVITY)."""
    alpha = math.exp(-EPSILON / SENSITIVITY)

    def geometric() -> int:
        return math.floor(math.log(1.0 - rng.random()) / math.log(alpha))

    return geometric() - geometric()


def noise_probability(z: int) -> float:
    """P(noise == z): what the tests check the privacy loss with."""
    alpha = math.exp(-EPSILON / SENSITIVITY)
    return (1 - alpha) / (1 + alpha) * alpha ** abs(z)


def release(values: Sequence[float], low: int, high: int, rng: random.Random) -> tuple[int, ...]:
    """The mechanism: the noisy, clipped counts of the figures in each bin."""
    return tuple(max(0, c + noise(rng)) for c in histogram(values, low, high))


@dataclass(frozen=True)
class NormEntry:
    """The norm group's figures for one competency, value or item."""

    id: str
    n: int
    mean: float
    sd: float | None  # not published since format 2: None
    points: tuple[float, ...]  # one per POINTS
    low: int = 0  # the bottom of the scale, where the first bin starts
    counts: tuple[int, ...] = ()  # the noisy count of each bin


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
    scale: tuple[int, int] = (1, 5)  # the instrument's scale, low and high: where the bins lie

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


def _entry(key: str, values: Sequence[float], low: int, high: int, rng: random.Random) -> NormEntry:
    """A norm group's figures for one key, through the mechanism."""
    return entry_of(key, len(values), low, release(values, low, high, rng))


def entry_of(key: str, n: int, low: int, counts: Sequence[int]) -> NormEntry:
    """What a norms file gives from its noisy counts: the mean of the bins' midpoints, and percentile
    points as if each bin's leaders were spread evenly across it (all bins alike when every count is 0)."""
    width = float(BIN)
    total = sum(counts)
    weights = list(counts) if total else [1] * len(counts)
    total = sum(weights)
    mean = math.fsum(w * (low + (i + 0.5) * width) for i, w in enumerate(weights)) / total
    points = []
    for p in POINTS:
        target, below = total * p / 100, 0
        for i, w in enumerate(weights):
            if w and target <= below + w:
                points.append(low + width * (i + (target - below) / w))
                break
            below += w
    return NormEntry(key, n, mean, None, tuple(points), low, tuple(counts))


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


def build(
    cards: Sequence[Scorecard], source: str, created: date | None = None, rng: random.Random | None = None
) -> Norms:
    """Norms from leaders' scorecards (all on one instrument), refused below MIN_LEADERS leaders."""
    if not cards:
        raise NormsError("no scored leaders to build norms from")
    scale = cards[0].instrument.scale
    return build_from_figures(
        [LeaderFigures.of(c) for c in cards], source, (scale.min, scale.max), created, rng
    )


def build_from_figures(
    leaders: Sequence[LeaderFigures],
    source: str,
    scale: tuple[int, int],
    created: date | None = None,
    rng: random.Random | None = None,
) -> Norms:
    """Norms from leaders' published figures (all on one instrument, rated on ``scale``, low and high),
    refused below MIN_LEADERS leaders; the noise comes from ``rng`` (``secrets`` when None)."""
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
    draw = rng or secrets.SystemRandom()
    low, high = scale
    return Norms(
        instrument_id=ids[0],
        instrument_versions=tuple(sorted({f.version for f in leaders})),
        source=source,
        created=(created or date.today()).isoformat(),
        leaders=len(rated),
        # Figures rated for fewer than MIN_LEADERS leaders are left out, like the file as a whole.
        dimensions={k: _entry(k, v, low, high, draw) for k, v in dims.items() if len(v) >= MIN_LEADERS},
        items={k: _entry(k, v, low, high, draw) for k, v in items.items() if len(v) >= MIN_LEADERS},
        scale=scale,
    )


_HEADER = """\
# leadcheck norms: how leaders were rated by others (self excluded), differentially private.
# Per competency/value and item: n = leaders with an all-others rating, and counts: how many
# leaders' all-others means fall in each bin (mechanism.bin scale points wide, from the bottom
# of the scale), each with two-sided geometric noise (mechanism.epsilon per figure, sensitivity
# mechanism.sensitivity), clipped at 0. The mean and percentile points p5..p95 are computed from
# the noisy counts alone. No names, answers or individual scores.
# Use with: leadcheck report LEADER --norms FILE, leadcheck cohort report COHORT --norms FILE
"""


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def _entry_data(e: NormEntry) -> dict[str, Any]:
    return {
        "id": e.id,
        "n": e.n,
        "counts": list(e.counts),
        "mean": _round(e.mean),
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
        "mechanism": {
            "name": MECHANISM,
            "epsilon": EPSILON,
            "sensitivity": SENSITIVITY,
            "bin": float(BIN),
            "scale": list(norms.scale),
            "guarantee": "each figure is epsilon-differentially private for each leader's figure",
        },
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


def _parse_entries(path: Path, data: Any, key: str, scale: tuple[int, int]) -> dict[str, NormEntry]:
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
        entry = entry_of(row["id"], count, scale[0], _parse_counts(path, where, row.get("counts"), scale))
        pct = row.get("percentiles")
        if not isinstance(pct, dict):
            raise _fail(path, f"{where}.percentiles should be a mapping p5..p95")
        points = tuple(_number(path, f"{where}.percentiles.p{p}", pct.get(f"p{p}")) for p in POINTS)
        if any(b < a for a, b in itertools.pairwise(points)):
            raise _fail(path, f"{where}.percentiles should not decrease from p5 to p95")
        mean = _number(path, f"{where}.mean", row.get("mean"))
        if any(abs(a - b) > 1e-4 for a, b in zip((mean, *points), (entry.mean, *entry.points), strict=True)):
            raise _fail(path, f"{where}: its mean and percentiles should be the ones its counts give")
        out[row["id"]] = entry
    return out


def _parse_counts(path: Path, where: str, counts: Any, scale: tuple[int, int]) -> list[int]:
    """An entry's noisy counts, checked: one whole number from 0 per bin of the scale."""
    bins = bin_count(*scale)
    if (
        not isinstance(counts, list)
        or len(counts) != bins
        or any(isinstance(c, bool) or not isinstance(c, int) or c < 0 for c in counts)
    ):
        raise _fail(path, f"{where}.counts should be {bins} whole numbers from 0, one per bin")
    return counts


def load(path: Path) -> Norms:
    """Read a norms file, checking every field; NormsError names the file and what is wrong."""
    from leadcheck.base.yamlsafe import YamlReadError, decode, parse, read_bytes_bounded

    try:
        data = parse(decode(read_bytes_bounded(path))).to_python()
    except YamlReadError as e:
        raise _fail(path, f"not a readable norms file ({e.issue.message})") from e
    except OSError as e:
        raise NormsError(f"{path}: cannot read the norms file ({e.strerror or type(e).__name__})") from e
    if isinstance(data, dict) and data.get("format") in OLD_FORMATS:
        raise _fail(
            path,
            f"made by an older leadcheck (format {data['format']}), whose exact percentile points can give "
            f'leaders\' figures back; it is no longer read. Build it again ("format: {FORMAT}")',
        )
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise _fail(path, f'not a leadcheck norms file (no "format: {FORMAT}")')
    mechanism = data.get("mechanism")
    expected = {"name": MECHANISM, "epsilon": EPSILON, "sensitivity": SENSITIVITY, "bin": float(BIN)}
    if not isinstance(mechanism, dict) or any(mechanism.get(k) != v for k, v in expected.items()):
        raise _fail(
            path,
            f'"mechanism" should be {MECHANISM} with epsilon {EPSILON}, sensitivity {SENSITIVITY} '
            f"and bin {float(BIN)}",
        )
    found = mechanism.get("scale")
    if (
        not isinstance(found, list)
        or len(found) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in found)
        or found[0] >= found[1]
    ):
        raise _fail(path, '"mechanism.scale" should be the scale\'s lowest and highest points')
    scale = (found[0], found[1])
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
        dimensions=_parse_entries(path, data, "dimensions", scale),
        items=_parse_entries(path, data, "items", scale),
        scale=scale,
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

    known = set(store.leaders.cohorts())
    missing = [c for c in cohorts if c not in known]
    if missing:
        raise NotFoundError(
            f'no cohort "{missing[0]}" in {store.path} (cohorts: {", ".join(sorted(known)) or "none yet"})'
        )
    # A leader without an assessment (on this instrument) is not in the norm group.
    latest = [
        a
        for cohort in dict.fromkeys(cohorts)
        for a in store.assessments.current_in_cohort(cohort, instrument_id)
    ]
    named = list(dict.fromkeys(cohorts))
    figures = leader_figures(store, latest, scored or {})
    scale = (1, 5)  # no leader: refused by build_from_figures before any bin is counted
    if latest:
        found = store.assessments.instrument(latest[0]).scale
        scale = (found.min, found.max)
    return build_from_figures(
        figures,
        f"{txt.plural(len(named), 'cohort')} {', '.join(named)}",
        scale,
        rng=_noise_source(store, figures, scale),
    )


def _noise_source(store: Store, figures: Sequence[LeaderFigures], scale: tuple[int, int]) -> random.Random:
    """The noise for these figures: drawn from the workspace's key and a digest of the figures.

    The same figures give the same noise, so building a norms file again (or a
    report's cohort position) cannot be repeated to average the noise away;
    any change to the figures draws it afresh. Without the key (another user's
    read-only workspace), from ``secrets``.
    """
    state = json.dumps([scale, sorted(json.dumps(f.data(), sort_keys=True) for f in figures)])
    try:
        seed = store.raters.hash("norms-noise:" + hashlib.sha256(state.encode()).hexdigest())
    except LeadcheckError:
        return secrets.SystemRandom()
    return random.Random(seed)


def leader_figures(
    store: Store, latest: Sequence[Assessment], scored: Mapping[int, Scorecard]
) -> list[LeaderFigures]:
    """The published figures of each assessment: from ``scored``, else kept ones still current, else scored now
    (and kept for next time)."""
    from leadcheck.scorecards import score_assessment

    to_look_up = [a.id for a in latest if a.id not in scored]
    cached = figures_kept()
    state = store.figures.states(to_look_up, code_version()) if cached else {}
    kept = store.figures.kept(state)
    out: list[LeaderFigures] = []
    new: list[tuple[int, str, Any]] = []
    for assessment in latest:
        if assessment.id in scored:
            out.append(LeaderFigures.of(scored[assessment.id]))
        elif assessment.id in kept:
            out.append(LeaderFigures.from_data(kept[assessment.id]))
        else:
            figures = LeaderFigures.of(score_assessment(store, assessment))
            if cached:
                new.append((assessment.id, state[assessment.id], figures.data()))
            out.append(figures)
    store.figures.keep(new)
    return out


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
