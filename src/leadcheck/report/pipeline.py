"""The report pipeline of `leadcheck report` and `leadcheck cohort report` alike: score, norm group, view,
render, then record the release and write the file.

Each step is here once. ``make_report`` runs them for one leader;
``leadcheck.cohort.run`` runs the same steps for every leader of a cohort, with
the rendering spread over workers: ``norm_group``, ``leader_task`` and
``release`` are what both call. Whatever the release rule adds goes into
``release``.
"""

from __future__ import annotations

import hashlib
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from leadcheck.report.formats import DEFAULT, FORMATS, Rendered, RenderTask

if TYPE_CHECKING:
    from leadcheck.development import PlanSection
    from leadcheck.norms import Norms
    from leadcheck.report.bundle import TemplateBundle
    from leadcheck.scorecards import ScoredAssessment
    from leadcheck.store import Store


@dataclass(frozen=True)
class ReportOptions:
    """What a report looks like: the choices of `leadcheck report` and `leadcheck cohort report`."""

    format: str = DEFAULT  # a key of leadcheck.report.formats.FORMATS
    template_dir: Path | None = None
    norms: Norms | None = None  # a norms file given; None: the leader's own cohort when large enough
    norms_source: str = "--norms"  # where ``norms`` came from, for its errors
    draft: bool = False
    generated: date | None = None  # the date printed; None: today

    def release_kind(self, kind: str) -> str:
        """What the ledger records for an output of ``kind`` ("report", "cohort"): a draft is a draft."""
        return "draft" if self.draft else kind


def report_options(
    fmt: str = DEFAULT,
    template_dir: Path | None = None,
    norms_file: Path | None = None,
    draft: bool = False,
    generated: date | None = None,
) -> ReportOptions:
    """The options, with the norms file read and checked (NormsError when it is not one)."""
    from leadcheck.norms import load

    norms = load(norms_file) if norms_file is not None else None
    return ReportOptions(fmt, template_dir, norms, str(norms_file or "--norms"), draft, generated)


def norm_group(
    store: Store,
    scored: ScoredAssessment,
    options: ReportOptions,
    known: dict[tuple[str, str], Norms | None] | None = None,
) -> Norms | None:
    """The group a leader's competencies are ranked against: the norms file given (checked against the
    leader's instrument), else the leader's own cohort when it is large enough.

    ``known``: groups already built in this run, by cohort and instrument (a cohort run builds each once).
    """
    from leadcheck.norms import check_instrument, cohort_norms

    inst_id = scored.card.instrument.id
    if options.norms is not None:
        check_instrument(options.norms, inst_id, options.norms_source)
        return options.norms
    cohort = scored.assessment.leader.cohort
    key = (cohort or "", inst_id)
    if known is not None and key in known:
        return known[key]
    group = cohort_norms(store, cohort, inst_id, {scored.assessment.id: scored.card})
    if known is not None:
        known[key] = group
    return group


def leader_task(
    key: str,
    scored: ScoredAssessment,
    options: ReportOptions,
    bundle: TemplateBundle,
    norms: Norms | None,
    plans: tuple[PlanSection, ...] = (),
) -> RenderTask:
    """A leader's report as a render task (the view model built here; plain data from here on).
    ``plans``: the development plans it prints (leadcheck.development.report_plans)."""
    from leadcheck.report.render import report_task

    return report_task(
        key,
        scored.card,
        scored.change,
        fmt=options.format,
        bundle=bundle,
        generated=options.generated,
        norms=norms,
        draft=options.draft,
        plans=plans,
    )


def release(
    store: Store, scored: ScoredAssessment, kind: str, data: bytes | None = None, path: Path | None = None
) -> None:
    """Record the release in the ledger (leadcheck.scorecards.publish), then write ``data`` to ``path``
    atomically: never a file without its release. Without ``data``, the release alone (figures shown
    elsewhere, as a failed leader's in the cohort summary)."""
    from leadcheck.base.atomic import write_atomic
    from leadcheck.scorecards import publish

    publish(store, scored, kind, hashlib.sha256(data).hexdigest() if data is not None else "")
    if data is not None and path is not None:
        write_atomic(path, data)


def make_report(
    db: Path,
    leader: str,
    instrument: str | None,
    output: Path,
    options: ReportOptions,
    meanwhile: AbstractContextManager[object] | None = None,
) -> Rendered:
    """Score the leader, render their report, record its release and write it to ``output``.

    For a format laid out by WeasyPrint, a render process is forked first (before the
    workspace opens and scoring's modules load, and before ``meanwhile``, a progress
    display, starts its thread) and loads WeasyPrint while this one scores
    (leadcheck.pdf.process).
    """
    from leadcheck.pdf.process import Renderer, worth_forking

    ahead = FORMATS[options.format].needs_weasyprint and worth_forking()
    with Renderer(ahead=ahead) as renderer, meanwhile or nullcontext():
        from leadcheck.development import report_plans
        from leadcheck.report.bundle import load_bundle
        from leadcheck.report.formats import render_task
        from leadcheck.scorecards import scored_leader
        from leadcheck.store import Store

        with Store.open(db, create=False) as store:
            scored = scored_leader(store, leader, instrument)
            group = norm_group(store, scored, options)
            bundle = load_bundle(options.template_dir)
            plans = report_plans(store, scored.assessment)
            task = leader_task(output.name, scored, options, bundle, group, plans)
            rendered = renderer.run(render_task, task)
            release(store, scored, options.release_kind("report"), rendered.data, output)
    return rendered
