"""Commands under hostile conditions: unwritable outputs, full disks, and rich markup in data and paths."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from leadcheck.base.atomic import write_atomic
from leadcheck.base.errors import TargetError
from leadcheck.base.responses import IncomingResponse
from leadcheck.importing.policy import add_responses
from leadcheck.instrument.catalog import load_instrument
from leadcheck.report.formats import Rendered, RenderTask
from leadcheck.store import Store

from .conftest import MINI_360

ANSI = re.compile(r"\x1b\[[0-9;?]*[a-zA-Z]")

# Names, titles and texts a markup parser would eat, crash on, or turn into an emoji.
LEADER = "[bold]Ana[/] :fire:"
COHORT = "[red]spring"
MARKUP_MINI = (
    MINI_360.read_text(encoding="utf-8")
    .replace("title: Mini 360", 'title: "Mini [/] [bold]360"')
    .replace("name: Listening", 'name: "[red]Listening"')
    .replace("others: They listen.", 'others: "They [bold]listen[/]."')
    .replace("self: I listen.", 'self: "I [/]listen."')
    .replace("{value: 1, label: Never}", '{value: 1, label: "[dim]Never"}')
    .replace("self: What should I keep doing?", 'self: "What [/] should I keep doing?"')
)


def plain(text: str) -> str:
    """Output without colour codes, and with wrapped lines joined, to look for literal text."""
    return " ".join(ANSI.sub("", text).split())


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """rich behaves as on a terminal (colour, markup rendering) and is wide enough not to wrap names."""
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")


@pytest.fixture
def markup_mini(tmp_path: Path) -> Path:
    path = tmp_path / "[red]mini.yaml"
    path.write_text(MARKUP_MINI, encoding="utf-8")
    return path


@pytest.fixture
def markup_db(tmp_path: Path, markup_mini: Path) -> Path:
    """A workspace where the leader, the cohort and the instrument are all full of markup."""
    inst = load_instrument(str(markup_mini))
    db = tmp_path / "markup.db"
    answers: dict[str, int | None] = {"l-1": 4, "l-2": 2, "d-1": 5, "f-1": 3}
    with Store.open(db) as store:
        add_responses(
            store,
            [
                IncomingResponse(LEADER, "self", answers, {}, "t", cohort=COHORT),
                IncomingResponse(LEADER, "manager", dict.fromkeys(answers, 3), {}, "t", "m", cohort=COHORT),
                IncomingResponse(LEADER, "peer", dict.fromkeys(answers, 2), {}, "t", "p1", cohort=COHORT),
                IncomingResponse(LEADER, "peer", dict.fromkeys(answers, 4), {}, "t", "p2", cohort=COHORT),
            ],
            inst,
        )
    return db


@pytest.fixture
def psl_db(tmp_path: Path) -> tuple[Path, str]:
    """A workspace with one psl-360 leader, for the output-file errors."""
    from leadcheck.demo import demo_leaders, demo_responses

    inst = load_instrument("psl-360")
    db = tmp_path / "psl.db"
    leaders = demo_leaders(1, 5)
    with Store.open(db) as store:
        add_responses(store, demo_responses(inst, leaders, 5), inst)
    return db, leaders[0].name


def fake_render(task: RenderTask) -> Rendered:
    """No WeasyPrint: these tests are about what is printed, not about PDFs."""
    return Rendered(task.key, b"%PDF-1.7 stub")


# -- OS errors: one line, exit 1, never a traceback ------------------------------------------------


def test_a_report_into_a_missing_folder(cli, psl_db: tuple[Path, str], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db, name = psl_db
    run = cli("--db", db, "report", name, "-o", tmp_path / "nowhere" / "r.html")
    assert run.exit_code == 1
    # One wording for a file that cannot be written, whichever command writes it (errors.cannot_write).
    assert run.stderr == (
        f"error: {tmp_path / 'nowhere' / 'r.html'}: the folder {tmp_path / 'nowhere'} does not exist\n"
    )


def test_a_report_into_an_unwritable_folder(  # type: ignore[no-untyped-def]
    cli, psl_db: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import leadcheck.base.atomic

    def refused(target: Path) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied", str(target.parent))

    # as a read-only folder does (root ignores modes)
    monkeypatch.setattr(leadcheck.base.atomic, "_temporary", refused)
    db, name = psl_db
    run = cli("--db", db, "report", name, "-o", tmp_path / "r.html")
    assert run.exit_code == 1
    assert run.stderr == (
        f"error: {tmp_path / 'r.html'}: cannot write the file (Permission denied); choose a folder you can "
        "write to, or another file with -o\n"
    )


def test_a_report_into_proc(cli, psl_db: tuple[Path, str]) -> None:  # type: ignore[no-untyped-def]
    db, name = psl_db
    run = cli("--db", db, "report", name, "-o", "/proc/x.html")
    assert run.exit_code == 1
    assert run.stderr == (
        "error: /proc/x.html: cannot write the file (No such file or directory); choose a folder you can "
        "write to, or another file with -o\n"
    )


def test_a_cohort_into_a_folder_that_cannot_be_made(  # type: ignore[no-untyped-def]
    cli, psl_db: tuple[Path, str], tmp_path: Path
) -> None:
    db, _ = psl_db
    (tmp_path / "file.txt").write_text("not a folder")
    out = tmp_path / "file.txt" / "reports"
    run = cli("--db", db, "cohort", "report", "demo", "-o", out, "-q")
    assert run.exit_code == 1
    assert run.stderr == f"error: {out}: Not a directory\n"


def test_schema_into_a_folder_or_an_impossible_path(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run = cli("schema", "-o", tmp_path)
    assert run.exit_code == 2
    assert "is a directory" in run.stderr
    (tmp_path / "file.txt").write_text("")
    run = cli("schema", "-o", tmp_path / "file.txt" / "schema.json")
    assert run.exit_code == 1
    assert run.stderr == f"error: {tmp_path / 'file.txt' / 'schema.json'}: Not a directory\n"


def test_os_errors_name_the_file_and_never_the_data(cli, extra_command) -> None:  # type: ignore[no-untyped-def]
    def no_space() -> None:
        raise OSError(28, "No space left on device")

    def denied() -> None:
        raise PermissionError(13, "Permission denied", "/srv/reports/ana.pdf")

    for command, expected in (
        (no_space, "No space left on device"),
        (denied, "/srv/reports/ana.pdf: Permission denied"),
    ):
        extra_command(command)
        run = cli("extra")
        assert run.exit_code == 1
        assert run.stderr == f"error: {expected}\n"


def test_json_into_a_full_disk(psl_db: tuple[Path, str]) -> None:
    db, name = psl_db
    with Path("/dev/full").open("w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "leadcheck", "--db", str(db), "summary", name, "--json"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert done.returncode == 1
    assert done.stderr == "error: No space left on device\n"


# -- write_atomic: symlinks, special files, folders -----------------------------------------------


def test_write_atomic_keeps_a_symlink_and_replaces_its_target(tmp_path: Path) -> None:
    target = tmp_path / "real.pdf"
    target.write_bytes(b"old")
    link = tmp_path / "link.pdf"
    link.symlink_to(target.name)
    write_atomic(link, b"new")
    assert link.is_symlink() and link.readlink() == Path(target.name)
    assert target.read_bytes() == b"new"
    dangling = tmp_path / "dangling.pdf"
    dangling.symlink_to("later.pdf")
    write_atomic(dangling, b"first")
    assert dangling.is_symlink() and (tmp_path / "later.pdf").read_bytes() == b"first"


def test_write_atomic_writes_into_a_fifo_without_replacing_it(tmp_path: Path) -> None:
    import stat

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    try:
        write_atomic(fifo, b"through the pipe")
    finally:
        if not got:  # unblock the reader whatever happened
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    reader.join(5)
    assert got == [b"through the pipe"]
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_write_atomic_refuses_a_folder(tmp_path: Path) -> None:
    """Whichever command writes (a report, a norms file, a manifest), one error class and one wording."""
    with pytest.raises(TargetError, match=r"is a folder; name a file to write"):
        write_atomic(tmp_path, b"x")
    with pytest.raises(TargetError, match=r"b.pdf: the folder .* does not exist"):
        write_atomic(tmp_path / "a" / "b.pdf", b"x")


# -- markup in data and paths: printed as typed, on a terminal too ------------------------------


@pytest.mark.usefixtures("terminal")
def test_instruments_list_and_show_print_markup_as_typed(cli, markup_mini: Path) -> None:  # type: ignore[no-untyped-def]
    run = cli("instruments", "list", markup_mini.parent)
    assert run.exit_code == 0, run.stderr
    assert "\x1b[" in run.stdout  # rendered as on a terminal
    assert "Mini [/] [bold]360" in plain(run.stdout)
    assert "[red]mini.yaml" in plain(run.stdout)
    run = cli("instruments", "show", markup_mini)
    assert run.exit_code == 0, run.stderr
    text = plain(run.stdout)
    for literal in (
        "Mini [/] [bold]360",
        "[red]Listening",
        "I [/]listen.",
        "They [bold]listen[/].",
        "[dim]Never",
    ):
        assert literal in text


@pytest.mark.usefixtures("terminal")
def test_leaders_status_and_summary_print_markup_as_typed(cli, markup_db: Path) -> None:  # type: ignore[no-untyped-def]
    for args in (("leaders",), ("status",), ("status", LEADER), ("summary", LEADER)):
        run = cli("--db", markup_db, *args)
        assert run.exit_code == 0, (args, run.stderr)
        assert LEADER in plain(run.stdout), args
    text = plain(cli("--db", markup_db, "leaders").stdout)
    assert COHORT in text
    text = plain(cli("--db", markup_db, "summary", LEADER).stdout)
    for literal in ("Mini [/] [bold]360", "[red]Listening", "They [bold]listen[/]."):
        assert literal in text


@pytest.mark.usefixtures("terminal")
def test_assess_and_rate_screens_print_markup_as_typed(cli, markup_mini: Path) -> None:  # type: ignore[no-untyped-def]
    run = cli("assess", "-i", markup_mini, "--leader", LEADER, input="4\n2\n5\n3\n[/] keep it\n")
    assert run.exit_code == 0, run.stderr
    text = plain(run.stdout)
    for literal in (
        f"Mini [/] [bold]360 (mini 1.0.0): self-assessment of {LEADER}",
        "[red]Listening",
        "I [/]listen.",
    ):
        assert literal in text
    assert "What [/] should I keep doing?" in text
    run = cli("rate", LEADER, "--as", "manager", input="q\n")
    assert run.exit_code == 0, run.stderr
    assert f"Mini [/] [bold]360: rating {LEADER} as Manager" in plain(run.stdout)
    assert "They [bold]listen[/]." in plain(run.stdout)


@pytest.mark.usefixtures("terminal")  # the live progress display, too
def test_cohort_output_prints_markup_as_typed(  # type: ignore[no-untyped-def]
    cli, markup_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("leadcheck.cohort.run.render_task", fake_render)
    with Store.open(markup_db) as store:
        store.leaders.ensure("[/]Nobody :fire:", COHORT)  # no assessment: listed as failed
    run = cli("--db", markup_db, "cohort", "report", COHORT, "-o", tmp_path / "out", "-j", "1")
    assert run.exit_code == 1
    assert "failed: [/]Nobody :fire:: no assessment yet" in plain(run.stderr)  # progress
    assert "[/]Nobody :fire:: no assessment yet" in run.stderr.splitlines()[-1]  # and the list at the end
    assert "2 written, 0 unchanged (skipped), 1 failed" in plain(run.stdout)
