"""Every figure the demo's reports print, derived again from the raw answers without leadcheck's scoring.

The demo workspace is made by the real command (`leadcheck demo`), read back with plain sqlite3 and
PyYAML, and scored here by a small implementation of the README's rules ("How scores are computed")
in exact fractions; the PDFs are read with poppler's pdftotext, as every other PDF test reads them.
Every printed figure must equal the derived one rounded half to even, ties included: item rows,
competency figures by group, gaps, self-other agreement and consensus (rwg), the leader's overall
difference, blind spots and hidden strengths, the summary's intervals, the strengths and the
development priorities in their order, and the cohort summary.
"""

from __future__ import annotations

import math
import re
import sqlite3
import subprocess
import sys
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import pytest
import yaml

# The demo's 12 reports and cohort summary are rendered once for this module (about 25 s on two
# idle cores): slow, and run by `make test` and CI like every slow test.
pytestmark = pytest.mark.slow

DEFAULT_MIN = {"self": 1, "manager": 1, "peer": 3, "direct_report": 3, "other": 3}
MINUS = "\u2212"
COMBINED = "combined"  # the pooled groups' own column
# t(0.975, df) for df = 1..30, as printed in statistics tables (3 decimals); 1.960 beyond.
T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145,
        2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048,
        2.045, 2.042)  # fmt: skip
# A table's 3 decimals move a bound by at most 0.0005 * SD / sqrt(n): that much more than half a cent.
SLACK = 0.005 + 0.0006


def half_even(value: Fraction, places: int = 2) -> str:
    """``value`` printed with ``places`` decimals, half to even, by integer arithmetic on the fraction."""
    scaled = value * 10**places
    whole = math.floor(scaled)
    rest = scaled - whole
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and whole % 2 == 1):
        whole += 1
    sign = MINUS if whole < 0 else ""
    digits = str(abs(whole)).rjust(places + 1, "0")
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


def signed(value: Fraction) -> str:
    text = half_even(value)
    if text.strip(MINUS) == "0.00":
        return "0.00"
    return text if text.startswith(MINUS) else "+" + text


def number(text: str) -> float:
    return float(text.replace(MINUS, "-"))


# -- the workspace, read back without leadcheck -----------------------------------------------------


@dataclass
class Item:
    id: str
    dim: str
    reverse: bool


@dataclass
class Leader:
    name: str
    items: list[Item]
    dims: list[tuple[str, str]]  # (id, name) in instrument order
    developed: set[str]  # competencies with development actions
    thresholds: dict[str, int]
    groups: list[str]
    low: int
    high: int
    responses: list[tuple[str, dict[str, int | None]]] = field(default_factory=list)


def read_workspace(db: Path) -> dict[str, Leader]:
    out: dict[str, Leader] = {}
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT l.name, a.id, i.source FROM leaders l JOIN assessments a ON a.leader_id = l.id "
            "JOIN instruments i ON i.id = a.instrument_row ORDER BY l.name"
        ).fetchall()
        for name, assessment, source in rows:
            doc = yaml.safe_load(source)
            dims = [*doc["competencies"], *doc.get("values", [])]
            groups = doc.get("rater_groups") or [{"id": g} for g in DEFAULT_MIN]
            points = [p["value"] for p in doc["scale"]["points"]]
            leader = Leader(
                name,
                [Item(i["id"], d["id"], bool(i.get("reverse"))) for d in dims for i in d["items"]],
                [(d["id"], d["name"]) for d in dims],
                {e["competency"] for e in doc.get("development", [])},
                {g["id"]: g.get("min_raters", DEFAULT_MIN.get(g["id"], 3)) for g in groups},
                [g["id"] for g in groups],
                min(points),
                max(points),
            )
            for rid, group in conn.execute(
                "SELECT id, rater_group FROM responses WHERE assessment_id = ? ORDER BY id", (assessment,)
            ):
                answers = dict(
                    conn.execute("SELECT item_id, value FROM answers WHERE response_id = ?", (rid,))
                )
                leader.responses.append((group, answers))
            out[name] = leader
    return out


# -- the README's rules, again -----------------------------------------------------------------------


@dataclass
class ItemFigure:
    others: list[int]  # every rating in all others' figure, recoded
    by_group: dict[str, list[int]]  # the groups shown on their own
    own: int | None

    @property
    def mean(self) -> Fraction:
        return Fraction(sum(self.others), len(self.others))

    def sd(self) -> float:
        """The sample SD, at least 1/sqrt(n) (README rule 6)."""
        n, m = len(self.others), self.mean
        var = sum((x - m) ** 2 for x in self.others) / (n - 1)
        return max(math.sqrt(var), 1 / math.sqrt(n))


def t975(df: int) -> float:
    return T975[df - 1] if df <= len(T975) else 1.960


def interval(mean: Fraction, sd: float, n: int, low: int, high: int) -> tuple[float, float]:
    half = t975(n - 1) * sd / math.sqrt(n)
    return max(low, float(mean) - half), min(high, float(mean) + half)


def item_figures(leader: Leader, printed_n: dict[str, str] | None = None) -> dict[str, ItemFigure]:
    """Rules 1 and 2: recode, then each group on its own at its threshold, smaller groups pooled when
    together they reach the strictest threshold among them, else left out (of all others too).

    Whether a pool that reaches its threshold is published also depends on every set published
    about the item's answers (rule 4, the rule over sets), which this module does not re-implement:
    ``printed_n`` (each item's n as printed) says which of the two figures the README allows, pooled
    or left out, the report chose; every number is then derived here.
    """
    out = {}
    for item in leader.items:
        values: dict[str, list[int]] = {}
        own = None
        for group, answers in leader.responses:
            value = answers.get(item.id)
            if not isinstance(value, int):
                continue
            value = leader.low + leader.high - value if item.reverse else value
            if group == "self":
                own = value
            else:
                values.setdefault(group, []).append(value)
        shown = {g: v for g, v in values.items() if len(v) >= leader.thresholds[g]}
        small = {g: v for g, v in values.items() if g not in shown}
        pooled = [x for v in small.values() for x in v]
        others = [x for v in shown.values() for x in v]
        reaches = bool(small) and len(pooled) >= max(leader.thresholds[g] for g in small)
        if reaches and (printed_n is None or printed_n.get(item.id) == str(len(others) + len(pooled))):
            others += pooled
            shown = {**shown, COMBINED: pooled}  # "Combined groups", after the groups on their own
        out[item.id] = ItemFigure(others, shown, own)
    return out


@dataclass
class DimFigure:
    own: Fraction | None
    others: Fraction | None
    by_group: dict[str, Fraction]
    interval: tuple[float, float] | None


def dim_figures(leader: Leader, items: dict[str, ItemFigure]) -> dict[str, DimFigure]:
    """Rule 3: a competency's figure is the plain mean of its published item figures (published when at
    least half its items have one); the leader's own, the mean of the items they answered. Rule 6: its
    interval from the mean of the SDs of its items rated by two or more, with the smallest such n."""
    out = {}
    for dim, _name in leader.dims:
        mine = [i for i in leader.items if i.dim == dim]
        rated = [items[i.id] for i in mine if items[i.id].others]
        own_values = [items[i.id].own for i in mine if items[i.id].own is not None]
        own = Fraction(sum(own_values), len(own_values)) if own_values else None  # type: ignore[arg-type]
        others = None
        span = None
        if rated and 2 * len(rated) >= len(mine):
            others = sum((f.mean for f in rated), Fraction(0)) / len(rated)
            spread = [f for f in rated if len(f.others) >= 2]  # an item rated by one has no SD
            if spread:
                n = min(len(f.others) for f in spread)
                sd = sum(f.sd() for f in spread) / len(spread)
                span = interval(others, sd, n, leader.low, leader.high)
        by_group = {}
        for group in [*leader.groups, COMBINED]:
            figures = [
                Fraction(sum(f.by_group[group]), len(f.by_group[group])) for f in rated if group in f.by_group
            ]
            if figures and 2 * len(figures) >= len(mine):
                by_group[group] = sum(figures, Fraction(0)) / len(figures)
        out[dim] = DimFigure(own, others, by_group, span)
    return out


def agreement(d: DimFigure) -> str:
    """Rule 7, Atwater and Yammarino's categories at a gap of 0.5 and a high score of 4.0."""
    assert d.own is not None and d.others is not None
    gap = d.own - d.others
    if gap >= Fraction(1, 2):
        return "Over-estimator"
    if gap <= -Fraction(1, 2):
        return "Under-estimator"
    return "In agreement, high" if d.others >= 4 else "In agreement, low"


def consensus(leader: Leader, items: dict[str, ItemFigure], dim: str) -> str:
    """Rule 8: rwg = 1 - s^2 / ((A^2 - 1) / 12) per item rated by two or more others; below 0.70 it is
    low consensus. In words, as the competency page states it."""
    size = leader.high - leader.low + 1
    rated = [items[i.id].others for i in leader.items if i.dim == dim and len(items[i.id].others) >= 2]
    low = 0
    for values in rated:
        mean = Fraction(sum(values), len(values))
        variance = sum((x - mean) ** 2 for x in values) / (len(values) - 1)
        low += 1 - variance / Fraction(size**2 - 1, 12) < Fraction(7, 10)
    if not low:
        return f"raters agree on all {len(rated)} items"
    return f"raters disagree on {low} of {len(rated)} items"


def leniency(items: dict[str, ItemFigure]) -> Fraction:
    """Rule 5: the leader's mean less all others' mean, over every item both rated."""
    both = [f for f in items.values() if f.own is not None and f.others]
    return Fraction(sum(f.own for f in both), len(both)) - sum((f.mean for f in both), Fraction(0)) / len(
        both
    )  # type: ignore[misc]


def findings(leader: Leader, items: dict[str, ItemFigure]) -> tuple[set[str], set[str]]:
    """Rule 5: blind spots (relative gap >= 0.75) and hidden strengths (<= -0.75, others >= 4.0, not among
    the five lowest by all others' mean)."""
    lenient = leniency(items)
    rated = [(f.mean, n, iid) for n, (iid, f) in enumerate(items.items()) if f.others]
    lowest = {iid for _m, _n, iid in sorted(rated)[: min(5, len(rated) // 2)]}
    blind, hidden = set(), set()
    for iid, f in items.items():
        if f.own is None or not f.others:
            continue
        relative = f.own - f.mean - lenient
        if relative >= Fraction(3, 4):
            blind.add(iid)
        elif relative <= -Fraction(3, 4) and f.mean >= 4 and iid not in lowest:
            hidden.add(iid)
    return blind, hidden


# -- the printed reports -------------------------------------------------------------------------------


def layout_text(pdf: Path) -> str:
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-layout", str(pdf), "-"], capture_output=True, check=True
    )
    return done.stdout.decode("utf-8")


ROW = re.compile(
    r"^\s*(?P<id>[a-z]{2}-\d+)\b.*?\s{2,}(?P<own>\d\.\d\d|–)\s+(?P<others>\d\.\d\d)\s+(?P<n>\d+)\s+"
    rf"(?P<gap>[+{MINUS}]?\d\.\d\d)(?: (?P<mark>[▲▼]))?\s+(?P<spread>(?:\d+\s+)+)(?P<low>\d)–(?P<high>\d)\s*$"
)


def item_rows(text: str) -> Iterator[re.Match[str]]:
    for line in text.splitlines():
        m = ROW.match(line)
        if m:
            yield m


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The demo workspace and its reports, made by the real command."""
    folder = tmp_path_factory.mktemp("demo")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "leadcheck",
            "--db",
            str(folder / "demo.db"),
            "demo",
            "-o",
            str(folder / "reports"),
        ],
        capture_output=True,
        text=True,
        cwd=folder,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return folder / "demo.db", folder / "reports"


@pytest.fixture(scope="module")
def leaders(demo: tuple[Path, Path]) -> dict[str, Leader]:
    return read_workspace(demo[0])


def report_of(reports: Path, name: str) -> Path:
    ascii_ = unicodedata.normalize("NFKD", name.lower().translate(str.maketrans("łø", "lo")))
    slug = re.sub(r"[^a-z]+", "-", ascii_.encode("ascii", "ignore").decode()).strip("-")
    return reports / f"{slug}.pdf"


def test_every_report_is_re_derived(demo: tuple[Path, Path], leaders: dict[str, Leader]) -> None:
    _, reports = demo
    assert len(leaders) == 12
    checked = {"item rows": 0, "competency figures": 0, "findings": 0, "intervals": 0, "priorities": 0}
    for name, leader in leaders.items():
        path = report_of(reports, name)
        text = layout_text(path)
        flat = re.sub(r"\s+", " ", text)
        items = item_figures(leader, {row["id"]: row["n"] for row in item_rows(text)})
        dims = dim_figures(leader, items)
        # Item rows: self, all others, n, gap, finding marks, spread and range.
        blind, hidden = findings(leader, items)
        seen = set()
        for row in item_rows(text):
            f = items[row["id"]]
            where = (name, row["id"])
            assert row["others"] == half_even(f.mean), where
            assert row["n"] == str(len(f.others)), where
            assert row["own"] == (half_even(Fraction(f.own)) if f.own is not None else "–"), where
            if f.own is not None:
                assert row["gap"] == signed(f.own - f.mean), where
            counts = [str(f.others.count(p)) for p in range(leader.low, leader.high + 1) if p in f.others]
            # A segment too narrow for its count is drawn without it, and pdftotext runs two narrow
            # labels together ("1 1" as "11"): the digits printed are those of the counts per point,
            # in order, less those left unlabelled.
            digits = iter("".join(counts))
            assert all(any(c == d for d in digits) for c in "".join(row["spread"].split())), where
            assert (int(row["low"]), int(row["high"])) == (min(f.others), max(f.others)), where
            assert row["mark"] == ("▲" if row["id"] in blind else "▼" if row["id"] in hidden else None), where
            seen.add(row["id"])
        assert seen == {i.id for i in leader.items if items[i.id].others}, name
        checked["item rows"] += len(seen)
        checked["findings"] += len(blind) + len(hidden)
        # The leader's overall difference from others.
        assert f"your overall difference from others ({signed(leniency(items))} across all items)" in flat, (
            name
        )
        # Each competency's headline: self, all others, gap.
        heads = re.findall(
            r"(?:COMPETENCY|CORE VALUE)\s+(.+?)\n.*?Self\s+All others\s+Gap\s*\n\s*(\S+)\s+(\S+)\s+(\S+)",
            text,
            flags=re.S,
        )
        names = {n: d for d, n in leader.dims}
        assert [h[0].strip() for h in heads] == [n for _d, n in leader.dims], name
        for title, own, others, gap in heads:
            d = dims[names[title.strip()]]
            assert d.own is not None and d.others is not None
            assert (own, others, gap) == (half_even(d.own), half_even(d.others), signed(d.own - d.others)), (
                title
            )
            checked["competency figures"] += 1
        # Each competency's self-other agreement (rule 7) and consensus (rule 8), in instrument order.
        said = re.findall(
            r"(In agreement, low|In agreement, high|Over-estimator|Under-estimator): .*? Consensus: (raters [^.(]*)",
            flat,
        )
        assert [category for category, _c in said] == [agreement(dims[d]) for d, _n in leader.dims], name
        assert [c.strip() for _a, c in said] == [consensus(leader, items, d) for d, _n in leader.dims], name
        checked["competency figures"] += 2 * len(said)
        # The table of scores by rater group: self, each group shown, all others, gap.
        for dim, title in leader.dims:
            d = dims[dim]
            line = next(x for x in text.splitlines() if re.match(rf"^\s*{re.escape(title)}\s+\d", x))
            cells = line.split()[len(title.split()) :]
            assert d.own is not None and d.others is not None
            # The gap is marked by the same rule as an item's: the relative gap, exactly.
            relative = d.own - d.others - leniency(items)
            high = relative <= -Fraction(3, 4) and d.others >= 4
            mark = ["▲"] if relative >= Fraction(3, 4) else ["▼"] if high else []
            if mark:
                assert cells.pop() == mark[0], (name, title)
            expected = [half_even(d.own), half_even(d.others), signed(d.own - d.others)]
            assert [cells[0], *cells[-2:]] == expected, (name, title)
            groups = [
                half_even(d.by_group[g])
                for g in [*leader.groups, COMBINED]
                if g != "self" and g in d.by_group
            ]
            assert [c for c in cells[1:-2] if c != "–"] == groups, (name, title)
            checked["competency figures"] += 1
        # The summary page: each behaviour's figure, n, the leader's own and the 95% interval.
        for m in re.finditer(
            r"\((?P<id>[a-z]{2}-\d+), [^)]*\) Others (?P<others>\d\.\d\d) \(n = (?P<n>\d+)\); you (?P<own>\d\.\d\d)"
            r": [^(]*\(95% interval (?P<lo>\d\.\d\d) to (?P<hi>\d\.\d\d)\)",
            flat,
        ):
            f = items[m["id"]]
            assert (m["others"], m["n"], m["own"]) == (
                half_even(f.mean),
                str(len(f.others)),
                half_even(Fraction(f.own or 0)),
            )
            lo, hi = interval(f.mean, f.sd(), len(f.others), leader.low, leader.high)
            assert abs(number(m["lo"]) - lo) <= SLACK and abs(number(m["hi"]) - hi) <= SLACK, (name, m["id"])
            checked["intervals"] += 1
        # Strengths and development priorities, in their order, with their figures and intervals.
        levels = {d: (fig.others, n) for n, (d, fig) in enumerate(dims.items()) if fig.others is not None}
        strongest = sorted(levels, key=lambda d: (-levels[d][0], levels[d][1]))[:3]  # type: ignore[operator]
        shown = re.search(r"Strongest, by all others' mean rating: (.+?)\. Development", flat)
        assert shown is not None
        expected = ", ".join(
            f"{dict(leader.dims)[d]} (others {half_even(dims[d].others)})" for d in strongest
        )  # type: ignore[arg-type]
        assert shown[1] == expected, name

        def need(d: str, dims: dict[str, DimFigure] = dims, levels: dict[str, tuple] = levels) -> tuple:
            """Lowest all others' mean, then the largest gap, then instrument order (no importance asked)."""
            fig = dims[d]
            return (fig.others, -(fig.own - fig.others), levels[d][1])  # type: ignore[operator]

        candidates = [d for d in levels if not leader.developed or d in leader.developed]
        wanted = sorted(candidates, key=need)[:2]
        printed = re.search(r"Development priorities: (.+?) The development plan", flat)
        assert printed is not None
        found = re.findall(
            r"(?:^|; )([^;(]+?) \(others (\d\.\d\d); 95% interval (\d\.\d\d) to (\d\.\d\d)\)", printed[1]
        )
        assert [f[0] for f in found] == [dict(leader.dims)[d] for d in wanted], name
        for (_title, others, lo, hi), d in zip(found, wanted, strict=True):
            assert others == half_even(dims[d].others)  # type: ignore[arg-type]
            span = dims[d].interval
            assert span is not None
            assert abs(number(lo) - span[0]) <= SLACK and abs(number(hi) - span[1]) <= SLACK, (name, d)
            checked["priorities"] += 1
    print(checked)
    assert checked["item rows"] >= 12 * 40 and checked["competency figures"] == 12 * 4 * 6
    assert checked["findings"] > 0 and checked["intervals"] >= 12 * 4 and checked["priorities"] == 24


SPACES = r"\s+"


def one_decimal(value: Fraction) -> str:
    return half_even(value, 1)


def test_the_cohort_summary_is_re_derived(demo: tuple[Path, Path], leaders: dict[str, Leader]) -> None:
    """Participation, every leader's competency figures and the cohort means, the self-other agreement
    counts and the strongest and weakest items, from each leader's figures as derived above."""
    text = layout_text(demo[1] / "cohort-summary.pdf")
    flat = re.sub(r"\s+", " ", text)
    items_of = {
        name: item_figures(
            leader, {r["id"]: r["n"] for r in item_rows(layout_text(report_of(demo[1], name)))}
        )
        for name, leader in leaders.items()
    }
    dims_of = {name: dim_figures(leaders[name], items) for name, items in items_of.items()}
    first = next(iter(leaders.values()))
    # Participation: responses per group, per leader, and the leaders whose group can be shown.
    assert f"Leaders {len(leaders)}" in flat
    labels = {
        "self": "Self",
        "manager": "Manager",
        "peer": "Peers",
        "direct_report": "Direct reports",
        "other": "Other raters",
    }
    for group, label in labels.items():
        counts = [sum(g == group for g, _a in leader.responses) for leader in leaders.values()]
        shown = sum(c >= first.thresholds[group] for c in counts)
        percent = round(Fraction(100 * shown, len(counts)))  # a Fraction rounds exactly, half to even
        # Only what the reports publish: a group's responses count where the group can be shown.
        published = sum(c for c in counts if c >= first.thresholds[group])
        expected = f"{label} {published} {one_decimal(Fraction(published, len(counts)))} {percent}%"
        assert expected in flat, expected
    # Leaders by competency (one decimal) and the cohort mean of each competency.
    for name in leaders:
        cells = [
            one_decimal(dims_of[name][d].others) if dims_of[name][d].others is not None else "–"
            for d, _t in first.dims
        ]  # type: ignore[arg-type]
        assert re.search(rf"^\s*{re.escape(name)}\s+{SPACES.join(map(re.escape, cells))}\s*$", text, re.M), (
            name
        )
    means = []
    for dim, _title in first.dims:
        values = [figs[dim].others for figs in dims_of.values() if figs[dim].others is not None]
        means.append(one_decimal(sum(values, Fraction(0)) / len(values)))  # type: ignore[arg-type]
    assert re.search(rf"^\s*Cohort mean\s+{SPACES.join(means)}\s*$", text, re.M)
    # Self-other agreement (rule 7): over- and under-estimators at a gap of 0.5, else high or low at 4.0.
    total = [0, 0, 0, 0]
    for dim, title in first.dims:
        tally = [0, 0, 0, 0]
        for figs in dims_of.values():
            d = figs[dim]
            if d.own is None or d.others is None:
                continue
            gap = d.own - d.others
            tally[
                0 if gap >= Fraction(1, 2) else 1 if gap <= -Fraction(1, 2) else 2 if d.others >= 4 else 3
            ] += 1
        total = [a + b for a, b in zip(total, tally, strict=True)]
        assert f"{title} {' '.join(map(str, tally))}" in flat, title
    assert f"All competencies {' '.join(map(str, total))}" in flat
    # Strongest and weakest items: the cohort mean of each item's all-others means (leaders showing it).
    cohort_item: dict[str, Fraction] = {}
    for item in first.items:
        values = [items[item.id].mean for items in items_of.values() if items[item.id].others]
        cohort_item[item.id] = sum(values, Fraction(0)) / len(values)
    order = {item.id: n for n, item in enumerate(first.items)}
    strongest = sorted(cohort_item, key=lambda i: (-cohort_item[i], order[i]))[:5]
    weakest = sorted(cohort_item, key=lambda i: (cohort_item[i], order[i]))[:5]
    for heading, ids in (
        ("Strongest items across the cohort", strongest),
        ("Weakest items across the cohort", weakest),
    ):
        part = text[text.index(heading) :]
        rows = re.findall(r"^\s*([a-z]{2}-\d+) .*?(\d\.\d\d)\s*$", part, re.M)[:5]
        assert rows == [(i, half_even(cohort_item[i])) for i in ids], heading
