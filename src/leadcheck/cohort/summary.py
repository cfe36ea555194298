"""The cohort summary's view model: participation, heatmap, spread, items, agreement, reliability."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from leadcheck.base import text as txt
from leadcheck.base.charts import Chart, heatmap, strip_chart
from leadcheck.base.views import Cell, Table
from leadcheck.cohort.statistics import ALPHA_MIN_LEADERS, CohortStats
from leadcheck.instrument.model import Instrument
from leadcheck.scoring import CATEGORIES, marked_text

HEATMAP_ROWS = 40  # rows per heatmap: WeasyPrint clips, never splits, an SVG taller than a page


@dataclass(frozen=True)
class CohortView:
    """Everything cohort.html.j2 prints."""

    title: str
    cohort: str
    instrument_title: str
    instrument_version: str
    language: str
    generated: str
    author: str
    leaders: int
    anonymized: bool
    participation: Table
    heatmaps: tuple[Chart, ...]
    spread: Chart
    strongest: Table
    weakest: Table
    agreement: Table
    reliability: Table
    changes: Table | None
    failures: tuple[str, ...]
    outside: tuple[str, ...] = ()  # leaders assessed on another instrument, left out of these figures
    alpha_minimum: int = 0  # respondents needed before alpha is shown
    progress: Table | None = None  # leaders' progress on their plans (leadcheck.cohort.progress)


def _items_table(caption: str, rows: tuple[tuple[str, str, float], ...], instrument: Instrument) -> Table:
    """Items with their cohort mean; a reverse-scored item says what its high score means."""
    return Table(
        caption,
        ("Item", "Cohort mean of all others"),
        tuple(
            (Cell(f"{iid} {marked_text(text, instrument.items[iid].reverse)}"), Cell(txt.score(mean), "num"))
            for iid, text, mean in rows
        ),
    )


def build_cohort_view(
    stats: CohortStats,
    cohort: str,
    labels: Mapping[str, str],
    generated: date | None = None,
    anonymized: bool = False,
    failures: tuple[str, ...] = (),
    outside: tuple[str, ...] = (),
    progress: Table | None = None,
) -> CohortView:
    """The cohort summary of ``stats``; ``labels`` maps leader names to what is printed (codes when anonymized)."""
    inst = stats.instrument
    dims = stats.dimensions
    return CohortView(
        title=f"Cohort summary: {cohort}",
        cohort=cohort,
        instrument_title=inst.title,
        instrument_version=inst.version,
        language=inst.language,
        generated=(generated or date.today()).isoformat(),
        author="leadcheck",
        leaders=len(stats.leaders),
        anonymized=anonymized,
        participation=_participation(stats),
        heatmaps=_heatmaps(stats, labels),
        spread=strip_chart(
            [(d.name, [m for m in d.leader_means.values() if m is not None]) for d in dims],
            inst.scale.min,
            inst.scale.max,
            marker=[d.mean for d in dims],
            width="170mm",
            title="Spread of leaders' all-others means by competency (tick: cohort mean)",
        ),
        strongest=_items_table("Strongest items across the cohort", stats.strongest, stats.instrument),
        weakest=_items_table("Weakest items across the cohort", stats.weakest, stats.instrument),
        agreement=_agreement(stats),
        reliability=_reliability(stats),
        changes=_changes(stats),
        failures=failures,
        outside=outside,
        alpha_minimum=ALPHA_MIN_LEADERS,
        progress=progress,
    )


def _participation(stats: CohortStats) -> Table:
    count = len(stats.leaders)
    rows = [(Cell("Leaders"), Cell(str(count), "num"), Cell(""), Cell(""))]
    for g in stats.instrument.rater_groups:
        total = stats.raters_per_group.get(g.id, 0)
        rate = stats.self_rate if g.is_self else stats.response_rates.get(g.id, 0.0)
        rows.append(
            (
                Cell(g.label),
                Cell(str(total), "num"),
                Cell(txt.score(total / count if count else None, 1), "num"),
                Cell(f"{rate:.0%}", "num"),
            )
        )
    return Table(
        "Participation",
        ("Rater group", "Responses", "Per leader", "Leaders whose group can be shown"),
        tuple(rows),
    )


def _heatmaps(stats: CohortStats, labels: Mapping[str, str]) -> tuple[Chart, ...]:
    """Leaders by competency, HEATMAP_ROWS leaders to a chart."""
    inst = stats.instrument
    count = len(stats.leaders)
    dims = stats.dimensions
    order = sorted(stats.leaders, key=lambda n: labels.get(n, n))
    values = [[d.leader_means.get(name) for d in dims] for name in order]
    chunks = [order[i : i + HEATMAP_ROWS] for i in range(0, max(1, len(order)), HEATMAP_ROWS)]
    heatmaps = []
    for n, chunk in enumerate(chunks):
        start = n * HEATMAP_ROWS
        part = f" (leaders {start + 1}–{start + len(chunk)} of {count})" if len(chunks) > 1 else ""
        heatmaps.append(
            heatmap(
                [labels.get(name, name) for name in chunk],
                [d.name for d in dims],
                values[start : start + len(chunk)],
                inst.scale.min,
                inst.scale.max,
                width="180mm",
                col_means=[d.mean for d in dims],
                title=f"All others' mean rating by leader and competency{part}",
            )
        )
    return tuple(heatmaps)


def _agreement(stats: CohortStats) -> Table:
    cat_rows = []
    for d in stats.dimensions:
        counts = stats.category_by_dimension.get(d.dimension_id, {})
        cat_rows.append((Cell(d.name), *(Cell(str(counts.get(c, 0)), "num") for c in CATEGORIES)))
    cat_rows.append(
        (
            Cell("All competencies", "strong"),
            *(Cell(str(stats.categories.get(c, 0)), "num strong") for c in CATEGORIES),
        )
    )
    return Table(
        "Leaders by self-other agreement",
        ("Competency", *(c[0].upper() + c[1:] for c in CATEGORIES)),
        tuple(cat_rows),
    )


def _reliability(stats: CohortStats) -> Table:
    rel_rows = []
    for d in stats.dimensions:
        r = d.reliability
        if r.alpha is None:
            rel_rows.append(
                (
                    Cell(d.name),
                    Cell(str(r.n), "num"),
                    Cell("–", "num"),
                    Cell(f"shown from {ALPHA_MIN_LEADERS} leaders with every item's others' mean published"),
                    Cell(""),
                )
            )
            continue
        flag = "below 0.70: interpret with care" if r.low else ""
        rel_rows.append(
            (
                Cell(d.name),
                Cell(str(r.n), "num"),
                Cell(txt.score(r.alpha), "num low" if r.low else "num"),
                Cell(
                    f"{txt.score(r.lower)} to {txt.score(r.upper)}"
                    if r.lower is not None and r.upper is not None
                    else "–"
                ),
                Cell(flag, "flag" if flag else ""),
            )
        )
    return Table(
        "Reliability in this cohort (Cronbach's alpha, Feldt 95% confidence interval)",
        ("Competency", "Leaders", "Alpha", "95% interval", ""),
        tuple(rel_rows),
    )


def _changes(stats: CohortStats) -> Table | None:
    if not stats.changes:
        return None
    return Table(
        "Change against the cohort's previous assessment",
        ("Competency", "Cohort mean now", "Change"),
        tuple(
            (
                Cell(d.name),
                Cell(txt.score(d.mean), "num"),
                Cell(txt.signed(stats.changes.get(d.dimension_id)), "num"),
            )
            for d in stats.dimensions
            if d.dimension_id in stats.changes
        ),
    )
