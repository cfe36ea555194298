"""`validate` in CI reads files from pull requests: it never follows a link out, never quotes a file."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import MINI_360, Run

LEAKED = "ghp_LEAKEDTOKEN0123456789abcdefABCDEF0123"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository with one good instrument, and a secret outside its instruments/ folder."""
    (tmp_path / "instruments").mkdir()
    (tmp_path / "instruments" / "good.yaml").write_bytes(MINI_360.read_bytes())
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "token.yaml").write_text(LEAKED + "\n")
    return tmp_path


@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_a_link_out_of_the_folder_is_a_problem_and_never_read(
    cli: Callable[..., Run], repo: Path, fmt: str
) -> None:
    (repo / "instruments" / "x.yaml").symlink_to(repo / "outside" / "token.yaml")
    (repo / "instruments" / "shadow.yml").symlink_to("/etc/shadow")
    result = cli("validate", "--format", fmt, "instruments")
    assert result.exit_code == 1
    assert LEAKED not in result.stdout + result.stderr
    assert "root:" not in result.stdout
    assert result.stdout.count("outside-link") == 2
    assert "good.yaml" not in result.stdout or fmt == "json"


def test_a_linked_folder_is_not_followed(cli: Callable[..., Run], repo: Path) -> None:
    (repo / "instruments" / "more").symlink_to(repo / "outside", target_is_directory=True)
    (repo / "instruments" / "loop").symlink_to(repo / "instruments", target_is_directory=True)
    result = cli("validate", str(repo / "instruments"))
    assert result.exit_code == 0, result.stdout
    assert LEAKED not in result.stdout
    assert "1 file checked: all valid" in result.stdout


def test_a_file_named_directly_must_stay_in_the_current_folder(
    cli: Callable[..., Run], repo: Path, tmp_path: Path
) -> None:
    (repo / "instruments" / "x.yaml").symlink_to(repo / "outside" / "token.yaml")
    os.chdir(repo / "instruments")  # pre-commit runs in the repository and names each file
    result = cli("validate", "x.yaml", "good.yaml")
    assert result.exit_code == 1
    assert LEAKED not in result.stdout
    assert "x.yaml:1:1: error: is a symbolic link to a file outside the current folder" in result.stdout
    # a link that stays inside is read like any file
    (repo / "instruments" / "same.yaml").symlink_to("good.yaml")
    assert cli("validate", "same.yaml").exit_code == 0
    # a plain file elsewhere, named by its path, is the user's own choice
    assert cli("validate", str(MINI_360)).exit_code == 0


def test_messages_quote_at_most_the_token_and_escape_control_characters(
    cli: Callable[..., Run], tmp_path: Path
) -> None:
    long_key = "k" * 900
    text = MINI_360.read_text().replace("id: mini-360", 'id: "bad id \\e[31m' + "x" * 300 + '"', 1)
    text += f"{long_key}: 1\n"
    (tmp_path / "i.yaml").write_text(text)
    result = cli("validate", "--format", "json", "i.yaml")
    assert result.exit_code == 1
    messages = [p["message"] for p in json.loads(result.stdout)["files"][0]["problems"]]
    assert messages
    for message in messages:
        assert len(message) < 300, message
        assert "\x1b" not in message
    assert any('"kkkkkkkk' in m and "..." in m for m in messages)


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_a_file_name_with_a_terminal_escape_is_printed_escaped(
    cli: Callable[..., Run], tmp_path: Path, fmt: str
) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "x\x1b[2J.yaml").write_text("just text\n")
    result = cli("validate", "--format", fmt, "in")
    assert result.exit_code == 1
    assert "\x1b" not in result.stdout
    assert "x\\x1b[2J.yaml" in result.stdout
