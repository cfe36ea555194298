"""The layers are a contract the code obeys: import-linter checks it (`make lint`), and it catches
an import that runs back up a floor, a lazy one inside a function included."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(package_parent: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if package_parent is not None:
        env["PYTHONPATH"] = str(package_parent)
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", str(REPO / "pyproject.toml")],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
    )


def test_the_code_keeps_every_contract() -> None:
    done = lint_imports()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """The package in a folder of its own, found before the installed one."""
    shutil.copytree(
        REPO / "src" / "leadcheck", tmp_path / "leadcheck", ignore=shutil.ignore_patterns("__pycache__")
    )
    return tmp_path / "leadcheck"


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        # scoring reaching up to the store's user, inside a function: lazy imports count too
        ("scoring.py", "def _late():\n    from leadcheck import scorecards\n", "Each floor imports only"),
        ("report/viewmodel.py", "from leadcheck.cohort import summary\n", "Each floor imports only"),
        (
            "campaign/tracking.py",
            "from leadcheck.cohort import files\n",
            "Feature packages never import a sibling",
        ),
        ("base/text.py", "def _echo():\n    import rich\n", "Only the command line imports typer or rich"),
    ],
)
def test_an_import_against_the_layers_breaks_a_contract(
    copy: Path, module: str, line: str, contract: str
) -> None:
    target = copy / module
    target.write_text(target.read_text(encoding="utf-8") + "\n\n" + line, encoding="utf-8")
    done = lint_imports(copy.parent)
    assert done.returncode == 1
    broken = [line for line in done.stdout.splitlines() if " BROKEN" in line]
    assert any(line.startswith(contract) for line in broken), broken
