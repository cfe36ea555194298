"""Every command's --help, walked one command at a time, against the README's command-line conventions.

Each command is its own test case and lists all of its problems at once, so
one broken command neither hides another nor hides its own other problems.
"""

from __future__ import annotations

import ast
import os
import re
import shlex
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer import _click as click
from typer.testing import CliRunner

from leadcheck.cli import app
from leadcheck.cli._common import db_first
from leadcheck.cli._help import description

from .conftest import REPO

WIDTH = 80
# Commands whose output other tools read: they take --format with json among the choices.
MACHINE_OUTPUT = {"validate", "leaders", "status", "summary", "instruments list", "export", "audit"}
# The same thing has the same option everywhere: long name -> its one short name.
SHORT_NAMES = {
    "--instrument": "-i",
    "--format": "-f",
    "--output": "-o",
    "--quiet": "-q",
    "--jobs": "-j",
}
METAVAR = re.compile(r"^(?:[A-Z][A-Z0-9_]*(?:\|[A-Z][A-Z0-9_]*)*|[a-z0-9]+(?:\|[a-z0-9]+)+)(?:\.\.\.)?$")
PYTHON_TYPES = re.compile(r"<[a-zA-Z]|\blist\[|\{|\[x[<>=]|\b(?:str|int|float|bool|Path)\b(?!-)")


def _walk(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _walk(sub, (*path, name))


ROOT = typer.main.get_command(app)
COMMANDS = dict(_walk(ROOT))


def _help(path: tuple[str, ...], columns: int = WIDTH) -> tuple[int, str, str]:
    runner = CliRunner(env={"COLUMNS": str(columns), "NO_COLOR": "1"})
    result = runner.invoke(app, [*path, "--help"])
    return result.exit_code, result.stdout, result.stderr


def _section(text: str, title: str) -> list[str]:
    """The lines of one help section (``Options:``), without its title."""
    lines = text.splitlines()
    if f"{title}:" not in lines:
        return []
    out: list[str] = []
    for line in lines[lines.index(f"{title}:") + 1 :]:
        if not line.startswith(" "):  # a blank line ends it (an epilog follows), as does a title
            break
        out.append(line)
    return out


def _entries(section: list[str]) -> list[str]:
    """The first column of a definition list: what each entry defines (an option or an argument)."""
    return [line.strip() for line in section if re.match(r"^  \S", line)]


def problems(path: tuple[str, ...]) -> list[str]:
    """Every way the help of ``leadcheck PATH`` breaks a convention, in words."""
    name = " ".join(path) or "leadcheck"
    found: list[str] = []
    code, text, err = _help(path)
    if code != 0 or err:
        return [f"--help exits {code} with stderr {err!r}"]
    for columns in (40, WIDTH, 200):  # narrow, standard and wide terminals: never wider than 80
        wide = [line for line in _help(path, columns)[1].splitlines() if len(line) > WIDTH]
        found += [f"line wider than {WIDTH} columns at COLUMNS={columns}: {line!r}" for line in wide]
    for line in text.splitlines():
        if PYTHON_TYPES.search(line):
            found.append(f"a Python type or typer placeholder in: {line!r}")

    usage = text.splitlines()[0]
    words = usage.split()[2 + len(path) :]  # after "Usage: leadcheck PATH"
    for word in words:
        if word in ("[OPTIONS]", "COMMAND", "[ARGS]..."):
            continue
        bare = word.removeprefix("[").removesuffix("]...").removesuffix("...").removesuffix("]")
        if not METAVAR.match(bare):
            found.append(f"usage shows {word!r}: arguments are upper-case (LEADER, [FOLDER]...)")

    command = COMMANDS[path]
    options = [p for p in command.params if p.param_type_name == "option" and not p.hidden]
    arguments = [p for p in command.params if p.param_type_name == "argument"]
    for entry in _entries(_section(text, "Options")):
        decl = entry.split("  ")[0]
        last = decl.split()[-1]
        if not last.startswith("-") and not METAVAR.match(last):
            found.append(f"option {decl!r}: its value is named {last!r}, not upper-case or a choice list")
    for param in [*options, *arguments]:
        if not (getattr(param, "help", None) or "").strip():
            found.append(f"{param.name} has no help text")
    for option in options:
        for long, short in SHORT_NAMES.items():
            if long in option.opts and short not in option.opts:
                found.append(f"{long} without {short}, which every other command has")
    if "--json" in text:
        found.append("--json is shown: the option is --format json (--json stays, hidden, for scripts)")
    if name in MACHINE_OUTPUT:
        formats = [o for o in options if "--format" in o.opts]
        choices = (
            [str(getattr(c, "value", c)) for c in (formats[0].type_descriptor.choices or ())]
            if formats
            else []
        )
        if "json" not in choices:
            found.append("machine output without --format json")

    examples = _section(text, "Examples")
    if not examples:
        found.append("no Examples section: every help screen shows what to type")
    for line in examples:
        found += _example_problems(path, line.strip())
    if _help_h(path) != text:
        found.append("-h does not show the same help as --help")
    if path and not hasattr(command, "commands") and "--db FILE" not in text:
        found.append("--db is not mentioned, though every command takes it")

    listing = "".join("".join(_section(text, "Commands")).split())  # wrapping may break after a hyphen
    for sub_name, sub in getattr(command, "commands", {}).items():
        line = description(sub)
        if not line:
            found.append(f"{sub_name} has no description")
        elif "".join(f"{sub_name}{line}".split()) not in listing:
            found.append(f"the command list cuts or changes the description of {sub_name!r}: {line!r}")
    return found


def _help_h(path: tuple[str, ...]) -> str:
    runner = CliRunner(env={"COLUMNS": str(WIDTH), "NO_COLOR": "1"})
    return runner.invoke(app, [*path, "-h"]).stdout


def _example_problems(path: tuple[str, ...], example: str) -> list[str]:
    """Why an example is not a command line of this command (or of one of its subcommands), or nothing."""
    words = shlex.split(example)
    if words[:1] != ["leadcheck"]:
        return [f"example {example!r} does not start with leadcheck"]
    args = db_first(words[1:])
    while args and args[0] == "--db":
        args = args[2:]
    if tuple(args[: len(path)]) != path:
        return [f"example {example!r} is not a `leadcheck {' '.join(path)}` command"]
    command, rest, name = COMMANDS[()], args, "leadcheck"
    parent = None
    while hasattr(command, "commands") and rest and rest[0] in command.commands:
        parent = command.make_context(name, [], resilient_parsing=True, parent=parent)
        name, command, rest = rest[0], command.commands[rest[0]], rest[1:]
    try:
        command.make_context(name, list(rest), parent=parent)
    except click.exceptions.ClickException as e:
        return [f"example {example!r} does not parse: {e.format_message()}"]
    return []


@pytest.mark.parametrize("path", list(COMMANDS), ids=lambda p: " ".join(p) or "leadcheck")
def test_help_follows_the_conventions(
    path: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The examples run where the README's sample nominations sheet is nominations.csv.
    shutil.copy(REPO / "docs" / "nominations.csv", tmp_path / "nominations.csv")
    monkeypatch.chdir(tmp_path)
    assert problems(path) == []


def test_every_command_is_walked() -> None:
    names = {" ".join(p) for p in COMMANDS}
    assert {
        "",
        "assess",
        "rate",
        "leaders",
        "status",
        "summary",
        "instruments list",
        "cohort report",
    } <= names
    assert len(names) >= 17


def _declared_options(source: str) -> set[str]:
    """The long names of the visible options a module declares itself (``typer.Option("--x", ...)``)."""
    tree = ast.parse(source)
    names: set[str] = set()
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "Option"
        ):
            continue
        if any(
            k.arg == "hidden" and isinstance(k.value, ast.Constant) and k.value.value for k in node.keywords
        ):
            continue
        names |= {a.value for a in node.args if isinstance(a, ast.Constant) and str(a.value).startswith("--")}
    return names


def options_declared_twice(cli: Path) -> dict[str, list[str]]:
    """Option names declared in more than one module of ``cli``, with those modules."""
    found: dict[str, list[str]] = {}
    for module in sorted(cli.glob("*.py")):
        for name in _declared_options(module.read_text(encoding="utf-8")):
            found.setdefault(name, []).append(module.name)
    return {name: modules for name, modules in sorted(found.items()) if len(modules) > 1}


def test_each_option_is_declared_once() -> None:
    """--cohort, --instrument, --format, --output and the rest: one module declares each, and the
    options commands of several modules take are declared in cli/_common.py."""
    cli = REPO / "src" / "leadcheck" / "cli"
    assert options_declared_twice(cli) == {}
    common = _declared_options((cli / "_common.py").read_text(encoding="utf-8"))
    assert {
        "--cohort",
        "--instrument",
        "--format",
        "--output",
        "--norms",
        "--template-dir",
        "--draft",
    } <= common


def test_the_declaration_check_finds_a_second_declaration(tmp_path: Path) -> None:
    cli = tmp_path / "cli"
    cli.mkdir()
    (cli / "_common.py").write_text('import typer\nCOHORT = typer.Option("--cohort")\n', encoding="utf-8")
    (cli / "extra.py").write_text(
        'import typer\nCOHORT = typer.Option("--cohort", help="Only these.")\n'
        'OLD = typer.Option("--cohort-name", hidden=True)\n',
        encoding="utf-8",
    )
    assert options_declared_twice(cli) == {"--cohort": ["_common.py", "extra.py"]}


def test_the_checks_catch_what_they_are_for(monkeypatch: pytest.MonkeyPatch) -> None:
    """The walker fails on the problems of issue 15's report, not only on today's clean help."""
    bad = (
        "Usage: leadcheck summary [OPTIONS] {leader}\n\nOptions:\n"
        "  --instrument <str>  Which instrument.\n  --json  Print JSON.\n"
    )
    monkeypatch.setattr(
        __import__(__name__, fromlist=["_help"]), "_help", lambda path, columns=WIDTH: (0, bad, "")
    )
    found = problems(("summary",))
    assert any("Python type" in p for p in found)
    assert any("usage shows '{leader}'" in p for p in found)
    assert any("--json is shown" in p for p in found)
    assert any("'<str>'" in p for p in found)

    cut = "Usage: leadcheck [OPTIONS] COMMAND [ARGS]...\n\nCommands:\n  validate  Check instrument files and report...\n"
    monkeypatch.setattr(
        __import__(__name__, fromlist=["_help"]), "_help", lambda path, columns=WIDTH: (0, cut, "")
    )
    assert any("cuts or changes the description of 'validate'" in p for p in problems(()))


def test_old_spellings_still_work(tmp_path: Any) -> None:
    runner = CliRunner(env={"NO_COLOR": "1"})
    db = str(tmp_path / "w.db")
    assert runner.invoke(app, ["--db", db, "import", "--help"]).exit_code == 0
    for args in (["leaders", "--json"], ["status", "--json"], ["leaders", "-f", "json"]):
        result = runner.invoke(app, ["--db", db, *args])
        assert result.exit_code == 1  # no workspace yet: the same clear error, whichever spelling
        assert "Traceback" not in result.output


# -- shell completion ----------------------------------------------------------------------------


def complete(words: str, env: dict[str, str] | None = None) -> list[str]:
    """What bash would offer after ``words`` (the last word is the one being completed)."""
    parts = words.split(" ")
    runner = CliRunner(
        env={
            "_LEADCHECK_COMPLETE": "complete_bash",
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(parts) - 1),
            **(env or {}),
        }
    )
    result = runner.invoke(app, [], prog_name="leadcheck")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return [line for line in result.stdout.splitlines() if line]


def test_completion_offers_commands_options_and_choices() -> None:
    assert complete("leadcheck sta") == ["status"]
    assert "--format" in complete("leadcheck summary --f")
    assert complete("leadcheck summary --format ") == ["text", "json"]
    assert complete("leadcheck assess -i psl") == ["psl-360"]


def test_completion_offers_the_workspaces_leaders_and_cohorts(tmp_path: Any) -> None:
    from leadcheck.store import Store

    db = tmp_path / "w.db"
    with Store.open(db) as store:
        store.leaders.ensure("Ana Ruiz", "2024-spring")
        store.leaders.ensure("anders Berg", "2024-fall")
        store.leaders.ensure("Bo Chen")
    before = db.read_bytes()
    assert complete(f"leadcheck --db {db} summary A") == ["'Ana Ruiz'"]  # quoted: one word when inserted
    assert complete(f"leadcheck --db {db} summary a") == ["'anders Berg'"]
    assert complete(f"leadcheck summary --db {db} A") == ["'Ana Ruiz'"]  # --db after the command too
    assert complete("leadcheck report B", {"LEADCHECK_DB": str(db)}) == ["'Bo Chen'"]
    assert complete(f"leadcheck --db {db} leaders --cohort 2024-") == ["2024-fall", "2024-spring"]
    assert shlex.split(f"leadcheck summary {complete(f'leadcheck --db {db} summary A')[0]}")[-1] == "Ana Ruiz"
    assert complete(f"leadcheck --db {db} cohort report 2024-s") == ["2024-spring"]
    assert db.read_bytes() == before  # read-only: completing never writes


def test_completion_without_a_workspace_offers_nothing_and_creates_nothing(tmp_path: Any) -> None:
    missing = tmp_path / "none.db"
    assert complete(f"leadcheck --db {missing} summary A") == []
    assert not missing.exists()
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not sqlite at all\n" * 100)
    assert complete(f"leadcheck --db {garbage} summary A") == []
    assert garbage.read_bytes() == b"not sqlite at all\n" * 100


def test_the_completion_script_can_be_shown() -> None:
    result = CliRunner().invoke(app, ["--show-completion", "bash"], prog_name="leadcheck")
    assert result.exit_code == 0
    assert "complete" in result.stdout and "_LEADCHECK_COMPLETE" in result.stdout


def test_the_console_script_builds_only_the_command_it_runs_and_builds_it_the_same() -> None:
    """`main` builds one command's module when the command line names it: each such app must hold
    exactly what the whole app holds for that command, and every command must be reachable."""
    from leadcheck.cli import REGISTRARS, build, command_named

    whole: Any = typer.main.get_command(app)  # a group (typer's own copy of click's)
    assert set(whole.commands) == set(REGISTRARS)
    for name in REGISTRARS:
        alone: Any = typer.main.get_command(build([name]))
        assert name in alone.commands
        mine, theirs = alone.commands[name], whole.commands[name]
        assert [(p.name, p.opts, p.required) for p in mine.params] == [
            (p.name, p.opts, p.required) for p in theirs.params
        ]
        assert mine.help == theirs.help
        assert [(p.name, p.opts) for p in alone.params] == [(p.name, p.opts) for p in whole.params]
    assert command_named(["report", "Ana", "-o", "r.pdf"]) == "report"
    assert command_named(["--db", "w.db", "status"]) == "status"
    assert command_named(["--db=w.db", "cohort", "report", "c"]) == "cohort"
    for whole_app in (
        [],
        ["--help"],
        ["--version"],
        ["--db", "w.db"],
        ["reprot", "Ana"],
        ["--install-completion"],
    ):
        assert command_named(whole_app) is None


def test_the_console_script_runs_a_command_built_alone(tmp_path: Path) -> None:
    import subprocess
    import sys

    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    script = [
        sys.executable,
        "-c",
        "import sys; from leadcheck.cli import main; sys.argv[0] = 'leadcheck'; main()",
    ]
    done = subprocess.run(
        [*script, "--db", str(tmp_path / "w.db"), "leaders"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode != 0 and "no workspace here" in done.stderr and "Traceback" not in done.stderr
    typo = subprocess.run([*script, "leadres"], capture_output=True, text=True, env=env, check=False)
    assert typo.returncode == 2 and "leaders" in typo.stderr  # the whole app: click's suggestion


# -- habits of the fingers: --db anywhere, -h ------------------------------------------------------


def test_db_is_taken_before_or_after_the_command(tmp_path: Path) -> None:
    runner = CliRunner(env={"NO_COLOR": "1", "LEADCHECK_DB": None})
    db = tmp_path / "x.db"
    expected = (
        f"error: {db}: no workspace here; create one by collecting responses (leadcheck assess, import or "
        "demo), or choose another with --db\n"
    )
    for argv in (["--db", str(db), "status"], ["status", "--db", str(db)], ["status", f"--db={db}"]):
        result = runner.invoke(app, argv)
        assert (result.exit_code, result.stdout, result.stderr) == (1, "", expected), argv


def test_db_first_moves_only_the_workspace_option() -> None:
    assert db_first(["status", "--db", "x.db", "-f", "json"]) == ["--db", "x.db", "status", "-f", "json"]
    assert db_first(["import", "--", "--db"]) == ["import", "--", "--db"]  # after --, a file name
    assert db_first(["--db=a.db", "leaders"]) == ["--db=a.db", "leaders"]


def test_h_is_help_everywhere() -> None:
    runner = CliRunner(env={"NO_COLOR": "1", "COLUMNS": "80"})
    for path in COMMANDS:
        assert runner.invoke(app, [*path, "-h"]).stdout == runner.invoke(app, [*path, "--help"]).stdout
