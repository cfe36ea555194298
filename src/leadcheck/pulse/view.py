"""The pulse page's view model: every string and bar width computed here; ``pulse.html.j2`` only prints."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from leadcheck.base import text as txt
from leadcheck.pulse.instrument import CHANGE_SCALE, long_date
from leadcheck.pulse.results import MEANING, ChangeCounts, PulseResults

if TYPE_CHECKING:
    from leadcheck.store import Store

ENTRY = "pulse.html.j2"


@dataclass(frozen=True)
class Segment:
    """One part of a bar: declined, no change, improved or not observed, as a share of the raters."""

    css: str
    width: str  # a CSS percentage, "37.5%"
    label: str  # what it counts, for the text beside the bar and screen readers


@dataclass(frozen=True)
class RowView:
    label: str
    whole: bool  # the all-others row (bold, with the test)
    segments: tuple[Segment, ...]
    improved: str
    same: str
    declined: str
    not_observed: str
    share: str
    p: str


@dataclass(frozen=True)
class BehaviourView:
    id: str
    text: str
    verdict: str
    verdict_css: str
    rows: tuple[RowView, ...]
    self_line: str
    left_out: str
    plan: str


@dataclass(frozen=True)
class PulseView:
    """Everything the pulse page prints."""

    title: str
    leader: str
    language: str
    author: str
    generated: str
    heading: str
    since: str
    raters: str
    notes: tuple[str, ...]
    meaning: str
    scale: str
    behaviours: tuple[BehaviourView, ...]
    comments: tuple[str, ...]
    withheld: str


def _segments(c: ChangeCounts) -> tuple[Segment, ...]:
    total = c.rated + c.not_observed
    if not total:
        return ()
    parts = (
        ("declined", c.declined, "declined"),
        ("same", c.same, "no change"),
        ("improved", c.improved, "improved"),
        ("unseen", c.not_observed, "not observed"),
    )
    return tuple(
        Segment(css, f"{float(Fraction(n, total) * 100):.1f}%", f"{n} {label}")
        for css, n, label in parts
        if n
    )


def _row(label: str, c: ChangeCounts, whole: bool) -> RowView:
    return RowView(
        label,
        whole,
        _segments(c),
        str(c.improved),
        str(c.same),
        str(c.declined),
        str(c.not_observed),
        txt.percent(c.share_improved),
        txt.probability(c.sign_p) if whole else "",
    )


def _verdict(c: ChangeCounts, improved: bool) -> tuple[str, str]:
    if improved:
        return "More raters saw improvement than decline", "verdict-improved"
    if c.declined > c.improved:
        return "More raters saw decline than improvement", "verdict-declined"
    if c.rated == 0:
        return "Nobody rated this behaviour yet", "verdict-none"
    return "Not yet clear: too few raters saw a change either way", "verdict-unclear"


def build_view(results: PulseResults, generated: date | None = None) -> PulseView:
    """The pulse page of ``results``."""
    behaviours = []
    for b in results.behaviours:
        verdict, css = _verdict(b.others, b.improved)
        rows = (_row("All others", b.others, True), *(_row(c.label, c.counts, False) for c in b.channels))
        left = [results.labels.get(g, g) for g in b.excluded_groups]
        behaviours.append(
            BehaviourView(
                id=b.item_id,
                text=b.text,
                verdict=verdict,
                verdict_css=css,
                rows=rows,
                self_line=""
                if b.self_change is None
                else f"Your own view: {txt.signed(b.self_change, 0)} ({dict(CHANGE_SCALE)[b.self_change].lower()})",
                left_out=f"Left out to protect anonymity (too few raters): {', '.join(left)}."
                if left
                else "",
                plan=f"Your plan: {b.plan}" if b.plan else "",
            )
        )
    raters = ", ".join(f"{results.labels.get(g, g)} {n}" for g, n in results.raters.items()) or "none yet"
    notes = []
    if results.new_raters:
        notes.append(
            f"{txt.count(results.new_raters, 'rater')} of these gave no answers in the assessment the plan "
            "followed (added to the roster since, or a form passed on)."
        )
    if results.hidden_groups:
        notes.append(
            f"Hidden for anonymity (fewer raters than the threshold): {', '.join(results.hidden_groups)}."
        )
    if results.held:
        notes.append("Newer answers are held back: shown now, they would let a reader single out a rater.")
    scale = "; ".join(f"{txt.signed(v, 0) if v else '0'} {label.lower()}" for v, label in CHANGE_SCALE)
    return PulseView(
        title=f"Pulse {results.number}: {results.leader}",
        leader=results.leader,
        language="en",
        author="leadcheck",
        generated=(generated or date.today()).isoformat(),
        heading=f"Pulse {results.number}: did the plan work?",
        since=f"Since the plan of {long_date(results.since)} · sent {results.started[:10]}",
        raters=f"Raters: {raters}",
        notes=tuple(notes),
        meaning=MEANING,
        scale=f"The scale of change: {scale}.",
        behaviours=tuple(behaviours),
        comments=results.comments,
        withheld=(
            "Not shown yet: set beside the earlier pulses, these answers would let a reader single out a "
            "rater. They are shown once more raters answer."
            if results.withheld
            else ""
        ),
    )


def render_page(results: PulseResults, fmt: str, template_dir: Path | None = None) -> bytes:
    """The pulse page in a report format (leadcheck.report.formats: PDF through the locked PDF
    service, or standalone HTML), by the report's templates, sandbox and stylesheet."""
    from leadcheck.report.bundle import load_bundle
    from leadcheck.report.formats import RenderTask, render_task

    return render_task(RenderTask("pulse", build_view(results), ENTRY, load_bundle(template_dir), fmt)).data


def write_page(store: Store, leader: str, output: Path, fmt: str, template_dir: Path | None = None) -> int:
    """The leader's newest pulse page: rendered, recorded as a release, then written atomically (never
    a file without its release); its size in bytes. NotFoundError before any pulse."""
    import hashlib

    from leadcheck.base.atomic import write_atomic
    from leadcheck.base.errors import NotFoundError
    from leadcheck.pulse import results, rounds

    person = store.leaders.get(leader)
    target = rounds.newest_pulse(store, person)
    if target is None:
        raise NotFoundError(
            f'"{person.name}" has no pulse yet; send one with `leadcheck pulse "{person.name}"` '
            "after they made their plan"
        )
    scored = results.scored_pulse(store, target)
    data = render_page(results.results(store, scored), fmt, template_dir)
    results.publish(store, scored, "report", hashlib.sha256(data).hexdigest())
    write_atomic(output, data)
    return len(data)
