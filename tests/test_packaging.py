"""An installed (not editable) leadcheck finds its instruments, templates and schema."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import REPO


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(REPO)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("leadcheck-*.whl")
    return built


@pytest.mark.slow
def test_wheel_carries_the_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for instrument in sorted((REPO / "instruments").glob("*.yaml")):
        assert f"leadcheck/_data/instruments/{instrument.name}" in names
    assert "leadcheck/_data/instrument.schema.json" in names
    for template in sorted((REPO / "report_templates").iterdir()):
        assert f"leadcheck/_data/report_templates/{template.name}" in names
    assert "leadcheck/py.typed" in names


@pytest.mark.slow
def test_installed_wheel_validates_and_lists_its_instruments(wheel: Path, tmp_path: Path) -> None:
    # Unpacked wheel on sys.path is exactly what an install puts in site-packages;
    # running from an unrelated folder proves nothing is read from the checkout.
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = (
        "import sys; from leadcheck.base import resources; "
        "from leadcheck.instrument.catalog import list_instruments; "
        "assert str(resources.instruments_dir()).startswith(sys.argv[1]), resources.instruments_dir(); "
        "infos, bad = list_instruments(); assert not bad; print(sorted(i.id for i in infos))"
    )
    env = {"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", code, str(site)], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "psl-360" in done.stdout
    cli = subprocess.run(
        [sys.executable, "-m", "leadcheck", "validate", str(site / "leadcheck/_data/instruments")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert cli.returncode == 0, cli.stderr
    assert "all valid" in cli.stdout


@pytest.mark.slow
@pytest.mark.parametrize("user", ["leader", "coach", "maintainer"])
def test_installed_wheel_runs_each_users_first_ten_minutes(wheel: Path, tmp_path: Path, user: str) -> None:
    """The README's first-screen commands, as typed, against the installed package (not the checkout)."""
    from .conftest import Run
    from .test_first_ten_minutes import clone_in, play, readme_flow

    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    work = tmp_path / "clone"
    work.mkdir()
    clone_in(work)
    private = {"LEADCHECK_KEY_DIR": os.environ["LEADCHECK_KEY_DIR"]}  # never ~

    def leadcheck(args: list[str], stdin: str | None, env: dict[str, str]) -> Run:
        done = subprocess.run(
            [sys.executable, "-m", "leadcheck", *args],
            cwd=work,
            env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin", **private, **env},
            input=stdin,
            capture_output=True,
            text=True,
        )
        assert "Traceback" not in done.stderr, done.stderr
        return Run(done.returncode, done.stdout, done.stderr, None)

    runs = play(readme_flow(user), work, leadcheck)
    assert runs
