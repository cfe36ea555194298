"""Cohort runs: the demo, skipping unchanged reports, failures, anonymity, process pool and Dask."""

from __future__ import annotations

import csv
import itertools
import random
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadcheck.base.filenames import slug
from leadcheck.base.responses import IncomingResponse
from leadcheck.cohort.files import CODES, MANIFEST, SUMMARY, file_names, leader_codes
from leadcheck.cohort.run import run_cohort
from leadcheck.demo import DEMO_COHORT, demo_leaders, demo_responses
from leadcheck.importing.policy import add_responses
from leadcheck.instrument.catalog import load_instrument
from leadcheck.report.formats import Rendered, RenderTask
from leadcheck.store import Store

from .conftest import pdftotext


def text_of(path: Path) -> str:
    return re.sub(r"\s+", " ", pdftotext(path))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("cohort") / "w.db"
    inst = load_instrument("psl-360")
    with Store.open(db) as store:
        add_responses(store, demo_responses(inst, demo_leaders(3, 11), 11), inst)
    return db


def test_demo_makes_a_cohort_and_renders_it(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    demo = (
        "--db",
        tmp_path / "w.db",
        "demo",
        "--leaders",
        "2",
        "--seed",
        "4",
        "-o",
        tmp_path / "out",
        "--jobs",
        "1",
    )
    run = cli(*demo)
    assert run.exit_code == 0, run.stderr
    pdfs = sorted(p.name for p in (tmp_path / "out").glob("*.pdf"))
    assert SUMMARY in pdfs
    assert len(pdfs) == 3
    assert "cohort summary:" in run.stdout
    assert f"cohort report {DEMO_COHORT}" in run.stdout
    summary = text_of(tmp_path / "out" / SUMMARY)
    for heading in ("360-degree cohort summary", "Leaders by competency", "Reliability"):
        assert heading.lower() in summary.lower()
    # Afterwards the same data serves `cohort report` into another folder, and nothing was imported twice.
    again = cli(*demo)
    assert "0 responses added" in again.stdout
    assert "0 written, 3 unchanged" in again.stdout


def test_demo_is_deterministic_for_a_seed() -> None:
    inst = load_instrument("psl-360")
    first = demo_responses(inst, demo_leaders(12, 9), 9)
    second = demo_responses(inst, demo_leaders(12, 9), 9)
    assert first == second
    assert demo_responses(inst, demo_leaders(12, 10), 10) != first
    groups = {(r.leader, r.group) for r in first}
    leaders = {r.leader for r in first}
    assert len(leaders) == 12
    per_leader_peers = [sum(1 for r in first if r.leader == n and r.group == "peer") for n in leaders]
    assert min(per_leader_peers) < 3 <= max(per_leader_peers)  # some groups below the threshold
    assert all((n, "self") in groups and (n, "manager") in groups for n in leaders)
    assert any(v is None for r in first for v in r.answers.values())  # a few not observed
    assert any(r.comments for r in first)


def test_rerun_skips_unchanged_and_force_renders_all(workspace: Path, tmp_path: Path) -> None:
    with Store.open(workspace) as store:
        first = run_cohort(store, DEMO_COHORT, tmp_path, jobs=1)
        assert len(first.written) == 4 and first.ok
        assert (tmp_path / MANIFEST).is_file()
        second = run_cohort(store, DEMO_COHORT, tmp_path, jobs=1)
        assert second.written == [] and len(second.skipped) == 4
        leader = store.leaders.every(DEMO_COHORT)[0]
        inst = store.assessments.instrument(store.assessments.current(leader))
        from leadcheck.base.responses import IncomingResponse

        add_responses(
            store,
            [IncomingResponse(leader.name, "peer", dict.fromkeys(inst.items, 5), {}, "t", "new-peer")],
            inst,
        )
        third = run_cohort(store, DEMO_COHORT, tmp_path, jobs=1)
        assert sorted(third.written) == sorted([file_names([leader.name])[leader.name], SUMMARY])
        forced = run_cohort(store, DEMO_COHORT, tmp_path, jobs=1, force=True)
        assert len(forced.written) == 4


def test_one_failure_does_not_stop_the_batch(cli, workspace: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with Store.open(workspace) as store:
        store.leaders.ensure("Nobody Yet", DEMO_COHORT)
    try:
        run = cli("--db", workspace, "cohort", "report", DEMO_COHORT, "-o", tmp_path / "out", "-j", "1")
        assert run.exit_code == 1
        assert "Nobody Yet: no assessment yet" in run.stderr
        assert len(list((tmp_path / "out").glob("*.pdf"))) == 4  # three leaders and the summary
        assert "1 failed" in run.stdout
    finally:
        with Store.open(workspace) as store:
            store.conn.execute("DELETE FROM leaders WHERE name = 'Nobody Yet'")


def test_anonymized_summary_shows_codes_not_names(workspace: Path, tmp_path: Path) -> None:
    with Store.open(workspace) as store:
        names = [leader.name for leader in store.leaders.every(DEMO_COHORT)]
        result = run_cohort(store, DEMO_COHORT, tmp_path, jobs=1, anonymize=True)
    text = text_of(tmp_path / SUMMARY)
    for name in names:
        assert name not in text
        assert not (tmp_path / f"{slug(name)}.pdf").exists()
    assert result.codes_file is not None
    rows = list(csv.reader(result.codes_file.read_text().splitlines()))
    assert rows[0] == ["code", "leader", "file"]
    mapped = {leader: (code, file) for code, leader, file in rows[1:]}
    assert sorted(mapped) == sorted(names)  # the codes file maps every code to its leader and file
    for code, file in mapped.values():
        assert re.fullmatch(r"L[0-9]{4}", code) and code in text and file == f"{code}.pdf"
        assert (tmp_path / file).exists()
    # A re-run keeps the codes (and so the file names) the codes file holds.
    with Store.open(workspace) as store:
        again = run_cohort(store, DEMO_COHORT, tmp_path, jobs=1, anonymize=True)
    assert again.codes_file is not None and again.codes_file.read_text() == result.codes_file.read_text()


def test_codes_are_random_and_say_nothing_of_name_order() -> None:
    """Over many draws, the code order is independent of the name order: each of the 3! orders of
    three leaders' codes comes up about equally often, and codes are never reused."""
    names = ["Ada", "Bea", "Cy"]
    orders: dict[tuple[str, ...], int] = {}
    for seed in range(6000):
        codes = leader_codes(names, rng=random.Random(seed))
        assert len(set(codes.values())) == 3
        order = tuple(sorted(names, key=lambda n: codes[n]))
        orders[order] = orders.get(order, 0) + 1
    assert len(orders) == 6
    assert all(900 < count < 1100 for count in orders.values()), orders
    # Whole cohorts: the rank correlation of names and codes averages out to nothing.
    taus = []
    for seed in range(300):
        cohort = [f"Leader {i:02d}" for i in range(12)]
        codes = leader_codes(cohort, rng=random.Random(seed))
        ranks = sorted(cohort, key=lambda n: codes[n])
        taus.append(
            sum(1 if ranks.index(a) < ranks.index(b) else -1 for a, b in itertools.combinations(cohort, 2))
        )
    assert abs(sum(taus) / len(taus)) < 3  # of a possible 66


def test_codes_kept_from_an_earlier_run() -> None:
    codes = leader_codes(["a", "b", "c"], {"a": "L4242", "gone": "L1111", "b": "bad"}, rng=random.Random(1))
    assert codes["a"] == "L4242"
    assert re.fullmatch(r"L[0-9]{4}", codes["b"]) and len(set(codes.values())) == 3


def test_unknown_cohort(cli, workspace: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run = cli("--db", workspace, "cohort", "report", "nope", "-o", tmp_path / "out")
    assert run.exit_code == 1
    assert run.stderr.strip() == f'error: no leaders in cohort "nope" in {workspace} (cohorts: demo)'


@pytest.mark.slow
def test_process_pool(workspace: Path, tmp_path: Path) -> None:
    with Store.open(workspace) as store:
        result = run_cohort(store, DEMO_COHORT, tmp_path, jobs=2)
    assert result.ok and len(result.written) == 4
    assert result.worker_peak_kib > 0
    assert text_of(tmp_path / result.written[0])


@pytest.mark.slow
def test_dask_local_cluster(workspace: Path, tmp_path: Path) -> None:
    import distributed  # a dev dependency: the Dask path is always tested

    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        Store.open(workspace) as store,
    ):
        result = run_cohort(store, DEMO_COHORT, tmp_path, scheduler=cluster.scheduler_address)
    assert result.ok and len(result.written) == 4
    assert SUMMARY in result.written


@pytest.fixture
def quick_dask(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give up on a scheduler in seconds, not the 15 + 10 a real run allows."""
    monkeypatch.setattr("leadcheck.cohort.run.CONNECT_SECONDS", 2.0)
    monkeypatch.setattr("leadcheck.cohort.run.WORKERS_SECONDS", 1.0)


@pytest.mark.parametrize(
    "address", ["not-an-address", "http://127.0.0.1:8765", "tcp://127.0.0.1", "tcp://h:86x", "tcp://h:8786/x"]
)
def test_a_malformed_scheduler_address_is_a_usage_error(
    cli, workspace: Path, tmp_path: Path, address: str
) -> None:  # type: ignore[no-untyped-def]
    run = cli("--db", workspace, "cohort", "report", DEMO_COHORT, "-o", tmp_path, "--scheduler", address)
    assert run.exit_code == 2
    assert run.stderr == (
        f'error: --scheduler "{address}" is not a Dask scheduler address; expected SCHEME://HOST:PORT '
        "with SCHEME one of tcp, tls, ws, wss, ucx, inproc, e.g. --scheduler tcp://10.0.0.5:8786\n"
    )


@pytest.mark.usefixtures("quick_dask")
def test_an_unreachable_scheduler_is_a_runtime_error(cli, workspace: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run = cli(
        "--db", workspace, "cohort", "report", DEMO_COHORT, "-o", tmp_path, "--scheduler", "tcp://127.0.0.1:9"
    )
    assert run.exit_code == 1
    assert run.stderr.startswith("error: cannot reach the Dask scheduler at tcp://127.0.0.1:9: ")


@pytest.mark.usefixtures("quick_dask")
def test_something_that_is_not_a_scheduler_does_not_hang(cli, workspace: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import socket
    import time

    with (
        socket.socket() as server
    ):  # accepts connections (the kernel does) and never answers, as a web server
        server.bind(("127.0.0.1", 0))
        server.listen()
        address = f"tcp://127.0.0.1:{server.getsockname()[1]}"
        start = time.monotonic()
        run = cli("--db", workspace, "cohort", "report", DEMO_COHORT, "-o", tmp_path, "--scheduler", address)
    assert time.monotonic() - start < 10
    assert run.exit_code == 1
    assert run.stderr == (
        f"error: cannot reach the Dask scheduler at {address}: no answer within 2 s; "
        "is a Dask scheduler listening there?\n"
    )


@pytest.mark.usefixtures("quick_dask")
def test_a_scheduler_without_workers_says_how_to_start_one(workspace: Path, tmp_path: Path) -> None:
    import distributed

    from leadcheck.base.errors import SchedulerError

    with (
        distributed.LocalCluster(
            n_workers=0, processes=False, protocol="tcp", dashboard_address=None
        ) as cluster,
        Store.open(workspace) as store,
    ):
        address = cluster.scheduler_address
        with pytest.raises(SchedulerError) as error:
            run_cohort(store, DEMO_COHORT, tmp_path, scheduler=address)
    assert str(error.value) == (
        f"the scheduler at {address} has no workers; start some with `dask worker {address}`"
    )
    assert not list(tmp_path.glob("*.pdf"))


# -- leaders the summary cannot count ------------------------------------------------------------


def fake_render(task: RenderTask) -> Rendered:
    """No WeasyPrint: these tests are about who is reported, not about PDFs."""
    return Rendered(task.key, b"%PDF-1.7 stub")


@pytest.fixture
def rendered(monkeypatch: pytest.MonkeyPatch) -> list[RenderTask]:
    """Every render task of the run, kept, and answered without rendering."""
    tasks: list[RenderTask] = []

    def render(task: RenderTask) -> Rendered:
        tasks.append(task)
        return fake_render(task)

    monkeypatch.setattr("leadcheck.cohort.run.render_task", render)
    return tasks


@pytest.fixture
def small(tmp_path: Path) -> Path:
    """Two demo leaders on psl-360, in a workspace of this test's own."""
    db = tmp_path / "small.db"
    inst = load_instrument("psl-360")
    with Store.open(db) as store:
        add_responses(store, demo_responses(inst, demo_leaders(2, 11), 11), inst)
    return db


def test_a_leader_without_responses_is_a_failure_not_an_empty_report(  # type: ignore[no-untyped-def]
    cli, small: Path, tmp_path: Path, rendered: list[RenderTask]
) -> None:
    from leadcheck.store import SELF_IDENTITY

    inst = load_instrument("psl-360")
    with Store.open(small) as store:
        store.assessments.current_or_new(store.leaders.ensure("Empty Assessment", DEMO_COHORT), inst)
        started = store.assessments.current_or_new(store.leaders.ensure("Started Only", DEMO_COHORT), inst)
        store.responses.open(started, "self", SELF_IDENTITY)  # opened, nothing answered
    run = cli("--db", small, "cohort", "report", DEMO_COHORT, "-o", tmp_path / "out", "-j", "1", "-q")
    assert run.exit_code == 1
    assert run.stderr == (
        "Leaders without a report:\n  Empty Assessment: no responses yet\n  Started Only: no responses yet\n"
    )
    assert "3 written, 0 unchanged (skipped), 2 failed" in run.stdout  # the other two and the summary
    assert sorted(t.key for t in rendered if t.key != SUMMARY) == sorted(
        p.name for p in (tmp_path / "out").glob("*.pdf") if p.name != SUMMARY
    )
    summary = next(t for t in rendered if t.key == SUMMARY)
    assert summary.view.failures == (
        "Empty Assessment: no responses yet",
        "Started Only: no responses yet",
    )


def test_leaders_on_another_instrument_are_named_not_silently_left_out(  # type: ignore[no-untyped-def]
    cli, small: Path, tmp_path: Path, rendered: list[RenderTask]
) -> None:
    from leadcheck.report.bundle import load_bundle
    from leadcheck.report.html import render_html

    from .conftest import MINI_360

    mini = load_instrument(str(MINI_360))
    answers: dict[str, int | None] = dict.fromkeys(mini.items, 4)
    with Store.open(small) as store:
        add_responses(
            store,
            [
                IncomingResponse("Zz Other", "self", answers, {}, "t", cohort=DEMO_COHORT),
                IncomingResponse("Zz Other", "manager", answers, {}, "t", "m", cohort=DEMO_COHORT),
            ],
            mini,
        )
        assert store.leaders.every(DEMO_COHORT)[-1].name == "Zz Other"  # the first leader sets the instrument
    run = cli("--db", small, "cohort", "report", DEMO_COHORT, "-o", tmp_path / "out", "-j", "1", "-q")
    assert run.exit_code == 0, run.stderr
    assert "  not in the cohort summary: Zz Other (assessed on mini)\n" in run.stdout
    assert "4 written" in run.stdout  # Zz Other still has a report
    summary = next(t for t in rendered if t.key == SUMMARY)
    assert summary.view.leaders == 2
    assert summary.view.outside == ("Zz Other (assessed on mini)",)
    html = render_html(summary.view, load_bundle(), summary.entry)
    assert "Not in these figures" in html and "<li>Zz Other (assessed on mini)</li>" in html
    # Anonymized, the summary names the code, not the leader.
    run_cohort_result = cli(
        "--db",
        small,
        "cohort",
        "report",
        DEMO_COHORT,
        "-o",
        tmp_path / "anon",
        "-j",
        "1",
        "-q",
        "--anonymize",
    )
    assert run_cohort_result.exit_code == 0
    anonymized = [t for t in rendered if t.key == SUMMARY][-1]
    codes = {
        leader: code
        for code, leader, _ in list(csv.reader((tmp_path / "anon" / CODES).read_text().splitlines()))[1:]
    }
    assert len(anonymized.view.outside) == 1
    assert anonymized.view.outside[0].endswith(" (assessed on mini)")
    assert anonymized.view.outside[0].split()[0] in codes.values()


def test_file_names_are_safe_and_distinct() -> None:
    names = [
        "Zoë Ibáñez",
        "Zoe Ibanez",
        "王芳",
        "../../etc/passwd",
        "A/B",
        "Søren Whitfield",
        "Łucja Lindqvist",
    ]
    files = file_names([*names, "Алёна Петрова", "🙂", "🙃"])
    assert files["Zoë Ibáñez"] == "zoe-ibanez.pdf"
    assert files["Zoe Ibanez"] == "zoe-ibanez-2.pdf"
    # Every script transliterated (anyascii), never a letter dropped.
    assert files["王芳"] == "wangfang.pdf"
    assert files["Søren Whitfield"] == "soren-whitfield.pdf"
    assert files["Łucja Lindqvist"] == "lucja-lindqvist.pdf"
    assert files["Алёна Петрова"] == "alena-petrova.pdf"
    assert len(set(files.values())) == len(files)
    assert all("/" not in f and not f.startswith(".") for f in files.values())


@given(count=st.integers(1, 24), seed=st.integers(0, 10_000))
def test_demo_leaders_share_neither_first_names_nor_surnames(count: int, seed: int) -> None:
    names = [leader.name.split(" ", 1) for leader in demo_leaders(count, seed)]
    assert len({first for first, _ in names}) == count
    assert len({last for _, last in names}) == count


def test_a_large_demo_cohort_still_has_distinct_names() -> None:
    names = [leader.name for leader in demo_leaders(800, 2)]
    assert len(set(names)) == 800


def test_a_serial_run_writes_each_report_before_scoring_the_next(
    small: Path, tmp_path: Path, rendered: list[RenderTask]
) -> None:
    # Serial runs share the pool's loop (an in-process executor, one job in flight): the order
    # of events is still score, write, score, write; and a failed render fails only its leader.
    from leadcheck.cohort import run as cohort_run

    events: list[tuple[str, str]] = []
    scored: list[str] = []
    real = cohort_run.score_latest

    def score_latest(store: Store, leader: object) -> object:
        scored.append(leader.name)  # type: ignore[attr-defined]
        events.append(("scored", leader.name))  # type: ignore[attr-defined]
        return real(store, leader)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as mp, Store.open(small) as store:
        mp.setattr(cohort_run, "score_latest", score_latest)
        result = run_cohort(
            store, DEMO_COHORT, tmp_path / "out", jobs=1, on_event=lambda e: events.append((e.kind, e.leader))
        )
    assert result.ok
    kinds = [kind for kind, _ in events if kind in ("scored", "written")]
    assert kinds == ["scored", "written"] * len(scored)


def test_the_in_process_executor_keeps_a_failure_in_its_future() -> None:
    from leadcheck.cohort.run import InProcess

    def boom() -> None:
        raise ValueError("bad template")

    future = InProcess().submit(boom)
    with pytest.raises(ValueError, match="bad template"):
        future.result()
    assert InProcess().submit(lambda x: x + 1, 1).result() == 2

    def interrupted() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):  # Ctrl-C stops the run, it is not one leader's failure
        InProcess().submit(interrupted)
