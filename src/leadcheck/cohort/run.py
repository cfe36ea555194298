"""A cohort run: score every leader once, here; render their PDFs in parallel, locally or on Dask.

The coordinator streams: it scores one leader, hands the view model to a
worker, and writes each PDF as soon as it comes back, with at most a few
tasks in flight, so memory does not grow with the cohort. Workers get plain
view models and the template bundle; they never touch the database.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from leadcheck.base.atomic import write_atomic
from leadcheck.base.errors import (
    LeadcheckError,
    NotFoundError,
    ReportError,
    SchedulerError,
    StoreError,
    UsageError,
)
from leadcheck.cohort.files import (
    CODES,
    SUMMARY,
    file_names,
    inputs_digest,
    leader_codes,
    read_codes,
    read_manifest,
    write_manifest,
)
from leadcheck.cohort.statistics import CohortBuilder
from leadcheck.development import report_plans
from leadcheck.norms import Norms, norms_digest
from leadcheck.pdf.process import warm_up
from leadcheck.report.bundle import load_bundle
from leadcheck.report.formats import Rendered, RenderTask, render_task
from leadcheck.report.pipeline import ReportOptions, leader_task, norm_group, release
from leadcheck.scorecards import ScoredAssessment, score_latest
from leadcheck.store import Leader, Store

if TYPE_CHECKING:
    from leadcheck.cohort.progress import FocusVerdicts
    from leadcheck.cohort.summary import CohortView

COHORT_ENTRY = "cohort.html.j2"


@dataclass
class Event:
    """Progress of a run, for whoever displays it."""

    kind: str  # "start", "written", "skipped", "failed", "summary"
    leader: str = ""
    file: str = ""
    done: int = 0
    total: int = 0
    seconds: float = 0.0
    reason: str = ""


@dataclass
class CohortResult:
    """What a run did."""

    out_dir: Path
    written: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    summary: Path | None = None
    seconds: float = 0.0
    worker_peak_kib: int = 0
    codes_file: Path | None = None
    # Leaders whose report was made but who are not in the cohort summary: their latest
    # assessment is on another instrument than the cohort's (the first leader's). (name, instrument id)
    outside_summary: list[tuple[str, str]] = field(default_factory=list)
    # Documents holding characters that no installed font can draw: ("the report of X", scripts).
    missing_fonts: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


def _reason(e: BaseException) -> str:
    """A failure as one line that never carries answers or comments (only our own messages)."""
    if isinstance(e, LeadcheckError):
        return str(e)[:300]
    return f"{type(e).__name__} while rendering (run `leadcheck report` for this leader to see it)"


SCHEDULER_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx", "inproc")
SCHEDULER_EXAMPLE = "tcp://10.0.0.5:8786"
# How long to try to reach a scheduler, and to wait for its first worker, before giving up (seconds).
CONNECT_SECONDS = 15.0
WORKERS_SECONDS = 10.0


def check_scheduler_address(address: str) -> None:
    """UsageError unless ``address`` reads as SCHEME://HOST:PORT with a scheme Dask speaks."""
    from urllib.parse import urlsplit

    expected = (
        f"expected SCHEME://HOST:PORT with SCHEME one of {', '.join(SCHEDULER_SCHEMES)}, "
        f"e.g. --scheduler {SCHEDULER_EXAMPLE}"
    )
    scheme, _, rest = address.partition("://")
    if not rest or scheme not in SCHEDULER_SCHEMES:
        raise UsageError(f'--scheduler "{address}" is not a Dask scheduler address; {expected}')
    if scheme == "inproc":  # in-process only: inproc://HOST/PID/N, no port
        return
    try:
        parts = urlsplit(address)
        port = parts.port
    except ValueError:
        port = None
    if not parts.hostname or port is None or parts.path not in ("", "/") or parts.query:
        raise UsageError(f'--scheduler "{address}" is not a Dask scheduler address; {expected}')


def _probe(address: str, seconds: float) -> None:
    """Connect to the scheduler and shake hands, or fail, within ``seconds``.

    Dask's own connect retries only until the TCP connection is made; its
    handshake then waits without a limit, so something that accepts
    connections but is not a scheduler (a web server) would hang the run.
    """
    import asyncio

    from distributed.comm.core import connect
    from distributed.security import Security

    args = Security().get_connection_args("client")

    async def probe() -> None:
        # Dask's connect gives up a little earlier, so its own reason (refused, no route) is the one shown.
        comm = await asyncio.wait_for(connect(address, timeout=0.8 * seconds, **args), seconds)
        await comm.close()

    try:
        asyncio.run(probe())
    except asyncio.TimeoutError as e:
        raise OSError(f"no answer within {seconds:.0f} s; is a Dask scheduler listening there?") from e


def _why(e: BaseException) -> str:
    """An exception as one line, with the operating system's reason from its causes when it has one."""
    reason = str(e) or type(e).__name__
    cause = e.__cause__
    while cause is not None:
        if isinstance(cause, OSError) and cause.strerror:
            return f"{reason} ({cause.strerror})"
        cause = cause.__cause__
    return reason


def _client(address: str) -> Any:
    """A Dask client connected to ``address`` with at least one worker, or a SchedulerError."""
    import dask
    from distributed import Client

    seconds = CONNECT_SECONDS
    timeouts = {
        "distributed.comm.timeouts.connect": f"{seconds}s",
        # Dask refuses a TCP timeout under 11 s (it derives keep-alive probes from it).
        "distributed.comm.timeouts.tcp": f"{max(seconds, 11)}s",
    }
    try:
        with dask.config.set(timeouts):
            if not address.startswith("inproc://"):
                _probe(address, seconds)
            client = Client(address, timeout=f"{seconds}s", set_as_default=False)
    except Exception as e:  # Dask raises OSError, TimeoutError, ValueError, ... : all mean "not reached"
        raise SchedulerError(f"cannot reach the Dask scheduler at {address}: {_why(e)}") from e
    try:
        if not client.scheduler_info()["workers"]:
            client.wait_for_workers(1, timeout=WORKERS_SECONDS)
    except Exception as e:
        client.close()
        raise SchedulerError(
            f"the scheduler at {address} has no workers; start some with `dask worker {address}`"
        ) from e
    return client


@contextmanager
def _executor(jobs: int, scheduler: str | None) -> Iterator[tuple[cf.Executor, int]]:
    """The executor for render tasks and how many may be in flight: in-process, a local process pool, or Dask."""
    if scheduler:
        try:
            import distributed  # noqa: F401
        except ImportError as e:
            raise UsageError(
                "--scheduler needs the Dask extra: pip install 'leadcheck[dask]' (on the workers too)"
            ) from e
        client = _client(scheduler)
        try:
            workers = max(1, sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values()))
            yield client.get_executor(pure=False), max(2, 2 * workers)
        finally:
            client.close()
        return
    if jobs <= 1:
        yield InProcess(), 1  # one at a time: each report is written before the next leader is scored
        return
    pool = LocalPool(jobs)
    try:
        yield pool, max(2, 2 * jobs)  # a few in flight: bounded memory, workers never idle
    finally:
        pool.shutdown()


class InProcess(cf.Executor):
    """Runs each task as it is submitted, here: serial runs go through the same loop as a pool."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> cf.Future[Any]:
        future: cf.Future[Any] = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as e:  # Ctrl-C and SystemExit are not a task's failure: they stop the run
            future.set_exception(e)
        return future


class LocalPool(cf.Executor):
    """A process pool that can be started again after a worker died (killed by the
    out-of-memory killer, say), which breaks a ProcessPoolExecutor for good."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self.pool = self._new()

    def _new(self) -> cf.ProcessPoolExecutor:
        # forkserver: workers start clean (no inherited database handle or progress thread).
        method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
        return cf.ProcessPoolExecutor(
            max_workers=self.jobs,
            mp_context=multiprocessing.get_context(method),
            initializer=warm_up,
            initargs=(os.getpid(),),
        )

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> cf.Future[Any]:
        return self.pool.submit(fn, *args, **kwargs)

    def restart(self) -> None:
        """A fresh pool in place of a broken one."""
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.pool = self._new()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.pool.shutdown(wait=wait, cancel_futures=cancel_futures)


WORKER_DIED = "its render worker stopped (killed, perhaps for lack of memory) twice; render it alone with `leadcheck report`"


def _submit_retrying(executor: cf.Executor, task: RenderTask) -> Rendered:
    """One task, run to its result; once more in a fresh pool if the first one's worker died."""
    try:
        return executor.submit(render_task, task).result()
    except BrokenProcessPool:
        if not isinstance(executor, LocalPool):
            raise
        executor.restart()
    try:
        return executor.submit(render_task, task).result()  # type: ignore[no-any-return]
    except BrokenProcessPool as e:
        executor.restart()
        raise ReportError(WORKER_DIED) from e


def _cohort_leaders(store: Store, cohort: str) -> list[Leader]:
    leaders = store.leaders.every(cohort)
    if not leaders:
        known = ", ".join(store.leaders.cohorts()) or "none yet"
        raise NotFoundError(f'no leaders in cohort "{cohort}" in {store.path} (cohorts: {known})')
    return leaders


@dataclass(frozen=True)
class RunOptions:
    """How a cohort run renders: the choices of `leadcheck cohort`."""

    jobs: int
    scheduler: str | None = None
    anonymize: bool = False
    force: bool = False
    report: ReportOptions = field(default_factory=ReportOptions)


@dataclass(frozen=True)
class Job:
    """One leader's report to render, and what to record when it comes back."""

    task: RenderTask
    digest: str  # of its inputs, for the manifest
    leader: str
    retried: bool = False  # already run once on a worker that died


def run_cohort(
    store: Store,
    cohort: str,
    out_dir: Path,
    *,
    jobs: int | None = None,
    scheduler: str | None = None,
    anonymize: bool = False,
    force: bool = False,
    report: ReportOptions | None = None,
    on_event: Callable[[Event], None] | None = None,
) -> CohortResult:
    """Render every leader's report of ``cohort`` (as ``report`` says: templates, norms, draft, date)
    and the cohort summary into ``out_dir``.

    Each leader's report written, and every scoring the cohort summary is made from (a skipped or failed
    report's too), is recorded in the release ledger before it is written (as a draft with ``draft``;
    leadcheck.report.pipeline.release).
    """
    started = time.perf_counter()
    if scheduler:
        check_scheduler_address(scheduler)
    options = RunOptions(jobs or os.cpu_count() or 1, scheduler, anonymize, force, report or ReportOptions())
    run = CohortRun(store, cohort, out_dir, options, on_event or (lambda _e: None))
    result = run.run()
    result.seconds = time.perf_counter() - started
    return result


class CohortRun:
    """One cohort run in three steps over one executor loop.

    ``plan`` scores leaders one by one and yields the reports that need
    rendering; ``render`` keeps a few of them in flight on the executor
    (in-process, a local pool or Dask) and writes each as it returns;
    ``summary`` renders the cohort summary from the statistics gathered on the
    way. Every failure goes through ``fail``: one leader's failure never stops
    the batch, and its reason never carries answers.
    """

    def __init__(
        self, store: Store, cohort: str, out_dir: Path, options: RunOptions, emit: Callable[[Event], None]
    ) -> None:
        self.store, self.cohort, self.out_dir, self.options, self.emit = store, cohort, out_dir, options, emit
        self.leaders = _cohort_leaders(store, cohort)
        self.bundle = load_bundle(options.report.template_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        names = [leader.name for leader in self.leaders]
        self.codes = leader_codes(names, read_codes(out_dir)) if options.anonymize else {}
        self.files = file_names(names, self.codes)
        self.manifest = read_manifest(out_dir)
        self.result = CohortResult(out_dir)
        self.total = len(self.leaders)
        self.builder: CohortBuilder | None = None
        self.digests: list[str] = []
        self.to_record: dict[str, ScoredAssessment] = {}  # file -> what it releases
        # Every scoring the cohort summary is made from (the previous round's included): recorded before
        # the summary is written, whether the leader's report was written, skipped as current, or failed.
        self.summarized: list[ScoredAssessment] = []
        self.norm_groups: dict[tuple[str, str], Norms | None] = {}  # by cohort and instrument
        self.verdicts: dict[str, FocusVerdicts] = {}  # leader -> verdicts on their plan (the summary's)
        self.round_verdicts: dict[
            str, FocusVerdicts
        ] = {}  # leader -> their second round's, on the plan before

    def run(self) -> CohortResult:
        self.emit(Event("start", total=self.total))
        with _executor(self.options.jobs, self.options.scheduler) as (executor, limit):
            self.render(executor, limit)
            self.summary(executor)
        if self.options.anonymize:
            self.result.codes_file = self.write_codes()
        return self.result

    # -- plan: score each leader, decide what to render ---------------------------------------

    def plan(self) -> Iterator[Job]:
        """Score leaders one by one; yield a render job for each report that needs one."""
        for leader in self.leaders:
            file = self.files[leader.name]
            try:
                job = self._prepare(leader, file)
            except Exception as e:  # one leader's failure must not stop the batch
                self.fail(leader.name, file, _reason(e))
                continue
            if job is not None:
                yield job

    def _prepare(self, leader: Leader, file: str) -> Job | None:
        """The leader's render job; None (and counted as skipped) when the file on disk is current."""
        scored = score_latest(self.store, leader)
        if not any(r.answers for r in scored.responses):
            raise NotFoundError("no responses yet")  # an empty report helps nobody
        card, responses = scored.card, scored.responses
        instrument = card.instrument
        if self.builder is None:
            self.builder = CohortBuilder(instrument)
        if self.builder.instrument.id == instrument.id:
            self.builder.add(card, responses, scored.previous_card)
            self.summarized.append(scored)
        else:  # cohort figures need one instrument: the first leader's; say who is left out
            self.result.outside_summary.append((leader.name, instrument.id))
        group = norm_group(self.store, scored, self.options.report, self.norm_groups)
        draft = self.options.report.draft
        plans = report_plans(self.store, scored.assessment)
        self._round_verdicts(leader, scored)
        extra = [
            repr(plans),  # a plan made or changed since is printed in the report
            str(scored.previous.id) if scored.previous else "",
            norms_digest(group),  # a changed norm group (or cohort) changes the percentiles
            "draft" if draft else "release",  # a draft is never kept in place of a release
        ]
        digest = inputs_digest(leader.name, instrument.content_hash, responses, self.bundle.digest, extra)
        self.digests.append(digest)
        if not self.options.force and self.manifest.get(file) == digest and (self.out_dir / file).is_file():
            self.result.skipped.append(file)
            self.emit(Event("skipped", leader.name, file, self._done(), self.total))
            return None
        self.to_record[file] = scored
        return Job(
            leader_task(file, scored, self.options.report, self.bundle, group, plans), digest, leader.name
        )

    # -- render: the one executor loop --------------------------------------------------------

    def render(self, executor: cf.Executor, limit: int) -> None:
        """Run every job on ``executor``, at most ``limit`` in flight, writing each report as it returns.

        A job whose worker died is retried once, alone in a fresh pool, so the
        one that kills its worker is found and only it fails.
        """
        pending: dict[cf.Future[Rendered], Job] = {}
        suspects: deque[Job] = deque()
        source = self.plan()
        exhausted = False
        while True:
            if suspects:
                if not pending:
                    job = replace(suspects.popleft(), retried=True)
                    pending[executor.submit(render_task, job.task)] = job
            else:
                while not exhausted and len(pending) < limit:
                    job_or_none = next(source, None)
                    if job_or_none is None:
                        exhausted = True
                        break
                    pending[executor.submit(render_task, job_or_none.task)] = job_or_none
            if not pending:
                break
            if self._collect(pending, suspects) and isinstance(executor, LocalPool):
                executor.restart()

    def _collect(self, pending: dict[cf.Future[Rendered], Job], suspects: deque[Job]) -> bool:
        """Handle the jobs that finished; True when a worker died (every job in flight is then collected)."""
        done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
        broken = False
        while done:
            for future in done:
                job = pending.pop(future)
                try:
                    res = future.result()
                except BrokenProcessPool:
                    broken = True
                    if job.retried:
                        self.fail(job.leader, job.task.key, WORKER_DIED)
                    else:
                        suspects.append(job)
                except Exception as e:
                    self.fail(job.leader, job.task.key, _reason(e))
                else:
                    self.write(job, res)
            # A dead worker breaks every task in flight: collect them all, then start afresh.
            done = set(cf.wait(pending)[0]) if broken else set()
        return broken

    def write(self, job: Job, res: Rendered) -> None:
        """Record one report's release (drafts too), then write it (leadcheck.report.pipeline.release)."""
        scored = self.to_record.pop(res.key)
        release(
            self.store, scored, self.options.report.release_kind("cohort"), res.data, self.out_dir / res.key
        )
        self.manifest[res.key] = job.digest
        write_manifest(self.out_dir, self.manifest)
        self.result.written.append(res.key)
        if res.missing_scripts:
            self.result.missing_fonts.append((f"the report of {job.leader}", res.missing_scripts))
        self.result.worker_peak_kib = max(self.result.worker_peak_kib, res.peak_rss_kib)
        self.emit(Event("written", job.leader, res.key, self._done(), self.total, res.seconds))

    def fail(self, leader: str, file: str, reason: str) -> None:
        """One leader's report failed: counted, reported, and the batch goes on.

        Its scorecard is in the cohort summary all the same, so it is recorded as a release (no file).
        """
        scored = self.to_record.pop(file, None)
        if scored is not None:
            release(self.store, scored, self.options.report.release_kind("cohort"))
        self.result.failed.append((leader, reason))
        self.emit(Event("failed", leader, file, 0, self.total, reason=reason))

    def _done(self) -> int:
        return len(self.result.written) + len(self.result.skipped)

    # -- summary: the cohort's figures ---------------------------------------------------------

    def summary(self, executor: cf.Executor) -> None:
        """Render the cohort summary, unless it is current (and nothing failed) or no leader was scored."""
        builder = self.builder
        if builder is None or not builder.leaders:
            return
        self.verdicts = self._verdicts(builder)
        digest = inputs_digest(
            self.cohort,
            builder.instrument.content_hash,
            [],
            self.bundle.digest,
            [*self.digests, str(self.options.anonymize), repr(sorted(self.verdicts.items()))],
        )
        path = self.out_dir / SUMMARY
        result = self.result
        if (
            not self.options.force
            and self.manifest.get(SUMMARY) == digest
            and path.is_file()
            and not result.failed
        ):
            result.skipped.append(SUMMARY)
        else:
            try:
                for scored in self.summarized:  # a repeat of what a report recorded adds no row
                    release(self.store, scored, self.options.report.release_kind("cohort"))
                res = _submit_retrying(
                    executor, RenderTask(SUMMARY, self._summary_view(builder), COHORT_ENTRY, self.bundle)
                )
            except (ReportError, StoreError) as e:  # the leaders' reports stand, the run says so
                self.fail("the cohort summary", SUMMARY, _reason(e))
                return
            write_atomic(path, res.data)
            if res.missing_scripts:
                result.missing_fonts.append(("the cohort summary", res.missing_scripts))
            self.manifest[SUMMARY] = digest
            write_manifest(self.out_dir, self.manifest)
            result.written.append(SUMMARY)
        result.summary = path
        self.emit(Event("summary", file=SUMMARY, total=self.total))

    def _round_verdicts(self, leader: Leader, scored: ScoredAssessment) -> None:
        """Keep the leader's second-round verdicts on the previous round's plan (its change is in their
        report, recorded with its release)."""
        from leadcheck.cohort.progress import round_verdicts

        if scored.previous is None:
            return
        rounds = self.store.assessments.of_leader(leader, scored.assessment.instrument_id)
        number = 1 + sum(1 for a in rounds if a.id < scored.assessment.id)
        found = round_verdicts(scored.change, self.store.plans.of_round(scored.previous.id), number)
        if found is not None:
            self.round_verdicts[leader.name] = found

    def _verdicts(self, builder: CohortBuilder) -> dict[str, FocusVerdicts]:
        """Each leader's verdicts on their plan's behaviours, for the progress table: from their newest
        pulse, else from their second round against the plan of the round before."""
        from leadcheck.cohort.progress import pulse_verdicts

        leaders = [found for name in builder.leaders if (found := self.store.leaders.find(name)) is not None]
        kind = self.options.report.release_kind("cohort")
        pulses = pulse_verdicts(self.store, leaders, kind)
        rounds = {n: v for n, v in self.round_verdicts.items() if n in builder.leaders and n not in pulses}
        return {**rounds, **pulses}

    def _summary_view(self, builder: CohortBuilder) -> CohortView:
        from leadcheck.cohort.progress import progress_table
        from leadcheck.cohort.summary import build_cohort_view

        codes = self.codes
        return build_cohort_view(
            builder.result(),
            self.cohort,
            {name: codes.get(name, name) for name in builder.leaders},
            generated=self.options.report.generated,
            anonymized=self.options.anonymize,
            # Listed by what is printed: by code when anonymized, so the order says nothing of the names.
            failures=tuple(sorted(f"{codes.get(n, n)}: {why}" for n, why in self.result.failed)),
            outside=tuple(
                sorted(f"{codes.get(n, n)} (assessed on {inst})" for n, inst in self.result.outside_summary)
            ),
            progress=progress_table(self.verdicts, {name: codes.get(name, name) for name in self.verdicts}),
        )

    def write_codes(self) -> Path:
        """leader-codes.csv: which code stands for which leader in an anonymized run."""
        import csv
        import io

        from leadcheck.importing.export import protect

        codes, files = self.codes, self.files
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(["code", "leader", "file"])
        writer.writerows(
            [protect(codes[n]), protect(n), protect(files[n])] for n in sorted(codes, key=lambda n: codes[n])
        )
        path = self.out_dir / CODES
        write_atomic(path, text.getvalue().encode("utf-8"))
        return path
