"""A cohort run: score every leader once, here; render their PDFs in parallel, locally or on Dask.

The coordinator streams: it scores one leader, hands the view model to a
worker, and writes each PDF as soon as it comes back, with at most a few
tasks in flight, so memory does not grow with the cohort. Workers get plain
view models and the template bundle; they never touch the database.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from leadcheck.cohort.files import (
    SUMMARY,
    file_names,
    inputs_digest,
    leader_codes,
    read_manifest,
    write_manifest,
)
from leadcheck.cohort.statistics import CohortBuilder
from leadcheck.cohort.worker import RenderResult, RenderTask, render_task, warm_up
from leadcheck.errors import LeadcheckError, NotFoundError, ReportError, UsageError
from leadcheck.norms import Norms, check_instrument, cohort_norms, norms_digest
from leadcheck.releases import record as record_release
from leadcheck.report.bundle import load_bundle
from leadcheck.report.html import ENTRY
from leadcheck.report.pdf import write_atomic
from leadcheck.report.viewmodel import build_view
from leadcheck.scorecards import score_latest
from leadcheck.scoring import Scorecard
from leadcheck.store import Assessment, Leader, Store

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


class SchedulerError(LeadcheckError):
    """The Dask scheduler could not be reached, or has no worker to render on."""


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
def _executor(jobs: int, scheduler: str | None) -> Iterator[tuple[cf.Executor | None, int]]:
    """The executor for render tasks: none (in-process), a local process pool, or Dask."""
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
            yield client.get_executor(pure=False), workers
        finally:
            client.close()
        return
    if jobs <= 1:
        yield None, 1
        return
    pool = LocalPool(jobs)
    try:
        yield pool, jobs
    finally:
        pool.shutdown()


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


def _submit_retrying(executor: cf.Executor, task: RenderTask) -> RenderResult:
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
    leaders = store.leaders(cohort)
    if not leaders:
        known = ", ".join(store.cohorts()) or "none yet"
        raise NotFoundError(f'no leaders in cohort "{cohort}" in {store.path} (cohorts: {known})')
    return leaders


def run_cohort(
    store: Store,
    cohort: str,
    out_dir: Path,
    *,
    jobs: int | None = None,
    scheduler: str | None = None,
    anonymize: bool = False,
    force: bool = False,
    template_dir: Path | None = None,
    generated: date | None = None,
    on_event: Callable[[Event], None] | None = None,
    norms: Norms | None = None,
    draft: bool = False,
) -> CohortResult:
    """Render every leader's report of ``cohort`` and the cohort summary into ``out_dir``.

    Each leader's report written is recorded in the release ledger, unless ``draft``.
    """
    started = time.perf_counter()
    emit = on_event or (lambda _e: None)
    if scheduler:
        check_scheduler_address(scheduler)
    leaders = _cohort_leaders(store, cohort)
    bundle = load_bundle(template_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    names = [leader.name for leader in leaders]
    codes = leader_codes(names) if anonymize else {}
    files = file_names(names, codes)
    manifest = read_manifest(out_dir)
    result = CohortResult(out_dir)
    total = len(leaders)
    emit(Event("start", total=total))
    jobs = jobs or os.cpu_count() or 1
    state: dict[str, Any] = {"builder": None, "digests": []}
    to_record: dict[str, tuple[Assessment, Scorecard]] = {}  # file -> what it releases
    norm_groups: dict[str, Norms | None] = {}

    def norm_group(instrument_id: str) -> Norms | None:
        """The norms file given, else this cohort itself when large enough (scored once more, aggregates only)."""
        if norms is not None:
            check_instrument(norms, instrument_id, "--norms")
            return norms
        if instrument_id not in norm_groups:
            norm_groups[instrument_id] = cohort_norms(store, cohort, instrument_id)
        return norm_groups[instrument_id]

    def tasks() -> Iterator[tuple[RenderTask, str, str]]:
        """Score leaders one by one; yield a render task for each report that needs one."""
        for leader in leaders:
            file = files[leader.name]
            try:
                scored = score_latest(store, leader)
                if not any(r.answers for r in scored.responses):
                    raise NotFoundError("no responses yet")  # an empty report helps nobody
                card, responses, previous, changes = (
                    scored.card,
                    scored.responses,
                    scored.previous_card,
                    scored.changes,
                )
                instrument = card.instrument
                builder = state["builder"]
                if builder is None:
                    builder = state["builder"] = CohortBuilder(instrument)
                if builder.instrument.id == instrument.id:
                    builder.add(card, responses, previous)
                else:  # cohort figures need one instrument: the first leader's; say who is left out
                    result.outside_summary.append((leader.name, instrument.id))
                group = norm_group(instrument.id)
                extra = [
                    str(scored.previous.id) if scored.previous else "",
                    norms_digest(group),  # a changed norm group (or cohort) changes the percentiles
                    "draft" if draft else "release",  # a draft is never kept in place of a release
                ]
                digest = inputs_digest(leader.name, instrument.content_hash, responses, bundle.digest, extra)
                state["digests"].append(digest)
                if not force and manifest.get(file) == digest and (out_dir / file).is_file():
                    result.skipped.append(file)
                    emit(
                        Event("skipped", leader.name, file, len(result.written) + len(result.skipped), total)
                    )
                    continue
                view = build_view(card, changes, generated=generated, norms=group, draft=draft)
                if not draft:
                    to_record[file] = (scored.assessment, card)
            except Exception as e:  # one leader's failure must not stop the batch
                result.failed.append((leader.name, _reason(e)))
                emit(Event("failed", leader.name, file, 0, total, reason=_reason(e)))
                continue
            yield RenderTask(file, view, ENTRY, bundle), digest, leader.name

    def finished(task_leader: str, digest: str, res: RenderResult) -> None:
        if res.key in to_record:  # the release is recorded with the file, or neither is
            assessment, card = to_record.pop(res.key)
            with store.transaction():
                record_release(store, assessment, card, hashlib.sha256(res.pdf).hexdigest())
                write_atomic(out_dir / res.key, res.pdf)
        else:
            write_atomic(out_dir / res.key, res.pdf)
        manifest[res.key] = digest
        write_manifest(out_dir, manifest)
        result.written.append(res.key)
        if res.missing_scripts:
            result.missing_fonts.append((f"the report of {task_leader}", res.missing_scripts))
        result.worker_peak_kib = max(result.worker_peak_kib, res.peak_rss_kib)
        emit(
            Event(
                "written", task_leader, res.key, len(result.written) + len(result.skipped), total, res.seconds
            )
        )

    with _executor(jobs, scheduler) as (executor, workers):
        if executor is None:
            for task, digest, name in tasks():
                try:
                    res = render_task(task)
                except Exception as e:
                    result.failed.append((name, _reason(e)))
                    emit(Event("failed", name, task.key, 0, total, reason=_reason(e)))
                    continue
                finished(name, digest, res)
        else:
            limit = max(2, 2 * workers)  # a few in flight: bounded memory, workers never idle
            # future -> (task, digest, leader, retried): a task whose worker died is retried once,
            # alone in a fresh pool, so the one that kills its worker is found and only it fails.
            pending: dict[cf.Future[RenderResult], tuple[RenderTask, str, str, bool]] = {}
            suspects: deque[tuple[RenderTask, str, str]] = deque()
            source = tasks()
            exhausted = False
            while pending or suspects or not exhausted:
                if suspects:
                    if not pending:
                        task, digest, name = suspects.popleft()
                        pending[executor.submit(render_task, task)] = (task, digest, name, True)
                else:
                    while not exhausted and len(pending) < limit:
                        try:
                            task, digest, name = next(source)
                        except StopIteration:
                            exhausted = True
                            break
                        pending[executor.submit(render_task, task)] = (task, digest, name, False)
                if not pending:
                    break
                done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                broken = False
                while done:
                    for future in done:
                        task, digest, name, retried = pending.pop(future)
                        try:
                            res = future.result()
                        except BrokenProcessPool:
                            broken = True
                            if not retried:
                                suspects.append((task, digest, name))
                                continue
                            result.failed.append((name, WORKER_DIED))
                            emit(Event("failed", name, task.key, 0, total, reason=WORKER_DIED))
                            continue
                        except Exception as e:
                            result.failed.append((name, _reason(e)))
                            emit(Event("failed", name, task.key, 0, total, reason=_reason(e)))
                            continue
                        finished(name, digest, res)
                    # A dead worker breaks every task in flight: collect them all, then start afresh.
                    done = set(cf.wait(pending)[0]) if broken else set()
                if broken and isinstance(executor, LocalPool):
                    executor.restart()
        builder = state["builder"]
        if builder is not None and builder.leaders:
            from leadcheck.cohort.summary import build_cohort_view

            summary_digest = inputs_digest(
                cohort,
                builder.instrument.content_hash,
                [],
                bundle.digest,
                [*state["digests"], str(anonymize)],
            )
            summary_path = out_dir / SUMMARY
            if (
                not force
                and manifest.get(SUMMARY) == summary_digest
                and summary_path.is_file()
                and not result.failed
            ):
                result.skipped.append(SUMMARY)
            else:
                labels = {name: codes.get(name, name) for name in builder.leaders}
                view = build_cohort_view(
                    builder.result(),
                    cohort,
                    labels,
                    generated=generated,
                    anonymized=anonymize,
                    failures=tuple(f"{codes.get(n, n)}: {why}" for n, why in result.failed),
                    outside=tuple(
                        f"{codes.get(n, n)} (assessed on {inst})" for n, inst in result.outside_summary
                    ),
                )
                task = RenderTask(SUMMARY, view, COHORT_ENTRY, bundle)
                res = _submit_retrying(executor, task) if executor is not None else render_task(task)
                write_atomic(summary_path, res.pdf)
                if res.missing_scripts:
                    result.missing_fonts.append(("the cohort summary", res.missing_scripts))
                manifest[SUMMARY] = summary_digest
                write_manifest(out_dir, manifest)
                result.written.append(SUMMARY)
            result.summary = summary_path
            emit(Event("summary", file=SUMMARY, total=total))
    if anonymize:
        codes_path = out_dir / "leader-codes.csv"
        import csv
        import io

        from leadcheck.importing.export import protect

        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(["code", "leader", "file"])
        writer.writerows(
            [protect(codes[n]), protect(n), protect(files[n])] for n in sorted(codes, key=lambda n: codes[n])
        )
        write_atomic(codes_path, text.getvalue().encode("utf-8"))
        result.codes_file = codes_path
    result.seconds = time.perf_counter() - started
    return result
