"""Hostile and broken input files: one clear message, the documented exit code, nothing written.

Each case is a file under tests/fixtures/hostile/ or built here from a valid one.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import MINI_360, Run

HOSTILE = Path(__file__).parent / "fixtures" / "hostile"
SECRET = "SECRET-comment-of-a-rater"  # noqa: S105 - a comment, not a password
# YAML scalars PyYAML resolves to a type it then cannot build, or tags forcing one.
UNBUILDABLE = [
    "2024-02-30",
    "9" * 5000,
    f"!!int {SECRET}",
    f"!!float {SECRET}",
    f"!!timestamp {SECRET}",
    f"!!binary {SECRET}",
    f"!!bool {SECRET}",
    "!!python/object/apply:os.system ['echo PWNED']",
]


def instrument_with(tmp_path: Path, old: str, new: str) -> Path:
    text = MINI_360.read_text()
    assert old in text
    path = tmp_path / "inst.yaml"
    path.write_text(text.replace(old, new, 1))
    return path


def assert_clean(result: Run, code: int = 1, quoted: bool = False) -> None:
    """One clear message: the exit code, no traceback, no secret (unless ``quoted``: an
    instrument's value at the reported position), nothing run."""
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    assert quoted or SECRET not in result.stdout + result.stderr
    assert "PWNED" not in result.stdout + result.stderr


@pytest.mark.parametrize("scalar", UNBUILDABLE)
def test_unbuildable_scalars_in_an_instrument(cli: Callable[..., Run], tmp_path: Path, scalar: str) -> None:
    path = instrument_with(tmp_path, "min_raters: 2", f"min_raters: {scalar}")
    for command in (["validate"], ["instruments", "show"]):
        result = cli(*command, str(path))
        assert_clean(result, quoted=True)
        assert "min_raters" in result.stdout + result.stderr
    assert_clean(cli("assess", "--leader", "Ana Ruiz", "-i", str(path), input="q\n"), quoted=True)
    assert not (tmp_path / "workspace.db").exists()


@pytest.mark.parametrize("scalar", [*UNBUILDABLE, "2024-01-05"])
def test_unbuildable_scalars_as_a_version_are_text(
    cli: Callable[..., Run], tmp_path: Path, scalar: str
) -> None:
    path = instrument_with(tmp_path, 'version: "1.0.0"', f"version: {scalar}")
    result = cli("validate", str(path))
    assert "Traceback" not in result.stdout + result.stderr
    assert result.exit_code in (0, 1)


@pytest.fixture
def form(cli: Callable[..., Run], tmp_path: Path) -> str:
    assert (
        cli("form", "Ana Ruiz", "--as", "peer", "--instrument", str(MINI_360), "-o", "form.yaml").exit_code
        == 0
    )
    return (tmp_path / "form.yaml").read_text()


@pytest.mark.parametrize("scalar", UNBUILDABLE)
@pytest.mark.parametrize("where", ["  l-1:", "  keep: |", 'leader: "Ana Ruiz"', "rater:"])
def test_unbuildable_scalars_in_a_response_file(
    cli: Callable[..., Run], tmp_path: Path, form: str, scalar: str, where: str
) -> None:
    key = where.split(":")[0]
    text = form.replace("  l-2:", "  l-2: 3").replace(where, f"{key}: {scalar}", 1)
    (tmp_path / "back.yaml").write_text(text)
    result = cli("import", "back.yaml", "--instrument", str(MINI_360))
    assert "Traceback" not in result.stdout + result.stderr
    assert "PWNED" not in result.stdout + result.stderr
    if result.exit_code != 0:
        assert result.exit_code == 1
        assert SECRET not in result.stderr or where == "  l-1:"  # only the offending answer is quoted
        assert not (tmp_path / "workspace.db").exists()


def test_a_comment_with_a_tag_is_never_in_a_message(
    cli: Callable[..., Run], tmp_path: Path, form: str
) -> None:
    text = form.replace("  l-1:", "  l-1: 9").replace("  keep: |", f"  keep: !!int {SECRET}", 1)
    (tmp_path / "back.yaml").write_text(text)
    result = cli("import", "back.yaml", "--instrument", str(MINI_360))
    assert_clean(result)
    assert "back.yaml:" in result.stderr and "outside the scale 1-5" in result.stderr


def test_an_id_with_a_final_newline_is_refused(cli: Callable[..., Run]) -> None:
    result = cli("validate", str(HOSTILE / "id-with-newline.yaml"))
    assert_clean(result)
    assert (
        'id-with-newline.yaml:25:14: error: "id" of item "l-1\\n" should be lowercase letters, digits and '
        'hyphens, starting with a letter or digit, found "l-1\\n" [id-format]'
    ) in result.stdout


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf", ".NaN"])
def test_thresholds_must_be_finite(cli: Callable[..., Run], tmp_path: Path, value: str) -> None:
    path = instrument_with(tmp_path, "rater_groups:", f"scoring:\n  blind_spot_gap: {value}\nrater_groups:")
    result = cli("validate", str(path))
    assert_clean(result)
    assert f'"blind_spot_gap" of the scoring should be a finite number, found {value} [type]' in result.stdout


def test_mixed_encodings_are_refused_not_garbled(cli: Callable[..., Run]) -> None:
    result = cli("import", str(HOSTILE / "mixed-encodings.csv"), "--instrument", str(MINI_360))
    assert_clean(result)
    assert result.stderr.splitlines()[0].endswith(
        "mixed-encodings.csv:3: mixes UTF-8 text (line 2) with another encoding (line 3); open it in a "
        'spreadsheet or editor and save it as "CSV UTF-8"'
    )


def test_a_nul_byte_deep_in_a_csv_is_refused(cli: Callable[..., Run], tmp_path: Path) -> None:
    result = cli("import", str(HOSTILE / "nul-deep.csv"), "--instrument", str(MINI_360))
    assert_clean(result)
    assert "nul-deep.csv:602: holds a NUL character" in result.stderr
    assert not (tmp_path / "workspace.db").exists()


def test_a_named_pipe_is_refused_without_waiting(cli: Callable[..., Run], tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.csv")
    result = cli("import", "pipe.csv")
    assert_clean(result, code=2)
    assert "pipe.csv: is a named pipe, not a regular file" in result.stderr


def test_spoofed_leader_names_are_refused(cli: Callable[..., Run], tmp_path: Path) -> None:
    result = cli("import", str(HOSTILE / "spoofed-names.csv"), "--instrument", str(MINI_360))
    assert_clean(result)
    assert "U+200B ZERO WIDTH SPACE" in result.stderr
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in result.stderr
    assert "U+FF21 FULLWIDTH LATIN CAPITAL LETTER A" in result.stderr
    assert "\u202e" not in result.stderr  # the message shows it escaped, never acting on the terminal
    assert not (tmp_path / "workspace.db").exists()


def test_a_full_width_name_finds_the_leader_it_imitates(cli: Callable[..., Run]) -> None:
    from leadcheck.store import leader_key

    assert (
        leader_key("\uff21\uff4e\uff41  \uff32\uff55\uff49\uff5a")
        == leader_key("ana ruiz")
        == leader_key("Ana\u200dRuiz".replace("\u200d", " "))
    )


@pytest.mark.parametrize("sequence", ["\\e[2J", "\\e]0;title\\a", "\\x9b31m", "\\u202e", "\\x7f"])
def test_terminal_escapes_in_instrument_text_never_reach_a_terminal(
    cli: Callable[..., Run], tmp_path: Path, sequence: str
) -> None:
    path = instrument_with(tmp_path, "{id: l-1, self: I listen.,", f'{{id: l-1, self: "I listen.{sequence}",')
    result = cli("validate", str(path))
    assert_clean(result)
    assert ':24:25: error: "self" of item "l-1" holds the control character U+' in result.stdout
    assert "[control-character]" in result.stdout
    for command in (["assess", "--leader", "Ana", "-i", str(path)], ["instruments", "show", str(path)]):
        run = cli(*command, input="4\n")
        assert_clean(run)
        assert "\x1b" not in run.stdout + run.stderr
        assert "\x9b" not in run.stdout + run.stderr


@pytest.mark.parametrize("escaped", ["\\0", "\\e[2J", "\\x9b", "\\x07"])
def test_control_characters_in_a_comment_are_refused_without_quoting_it(
    cli: Callable[..., Run], tmp_path: Path, form: str, escaped: str
) -> None:
    text = form.replace("  l-1:", "  l-1: 4").replace("  keep: |", f'  keep: "{SECRET}{escaped}"', 1)
    (tmp_path / "back.yaml").write_text(text)
    result = cli("import", "back.yaml", "--instrument", str(MINI_360))
    assert_clean(result)
    assert 'back.yaml: the comment to "keep" holds the control character U+00' in result.stderr
    assert not (tmp_path / "workspace.db").exists()
