"""One code_version() keys every cache, and any change to the package's files changes it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from leadcheck.base.codeversion import PACKAGE, code_version, package_digest
from leadcheck.cohort import files as cohort_files


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package as shipped, bytecode left out, in a folder of its own."""
    target = tmp_path_factory.mktemp("copy") / "leadcheck"
    shutil.copytree(PACKAGE, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return target


def test_it_is_the_digest_of_the_package() -> None:
    assert code_version() == package_digest(PACKAGE)
    assert len(code_version()) == 64


def test_a_change_to_any_module_or_template_changes_it(copy: Path) -> None:
    before = package_digest(copy)
    shipped = sorted(p for p in copy.rglob("*") if p.is_file())
    assert {p.suffix for p in shipped} >= {".py", ".j2", ".txt"}
    assert copy / "instrument" / "model.py" in shipped
    unchanged = []
    for path in shipped:
        original = path.read_bytes()
        path.write_bytes(original + b"\n")
        if package_digest(copy) == before:
            unchanged.append(path.relative_to(copy).as_posix())
        path.write_bytes(original)
    assert unchanged == []
    assert package_digest(copy) == before


def test_a_new_or_renamed_file_changes_it_and_bytecode_does_not(copy: Path) -> None:
    before = package_digest(copy)
    (copy / "__pycache__").mkdir(exist_ok=True)
    (copy / "__pycache__" / "text.cpython-311.pyc").write_bytes(b"compiled")
    assert package_digest(copy) == before
    added = copy / "added.py"
    added.write_text("")
    assert package_digest(copy) != before
    renamed = copy / "added2.py"
    added.rename(renamed)
    assert package_digest(copy) != before
    renamed.unlink()
    assert package_digest(copy) == before


def test_a_changed_instrument_model_changes_what_the_running_code_computes(copy: Path) -> None:
    """The figure cache once hashed six modules and missed instrument/model.py."""
    probe = "from leadcheck.base.codeversion import code_version; print(code_version())"

    def version() -> str:
        env = {"PYTHONPATH": str(copy.parent), "PYTHONDONTWRITEBYTECODE": "1"}
        done = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env
        )
        return done.stdout.strip()

    model = copy / "instrument" / "model.py"
    original = model.read_text(encoding="utf-8")
    before = version()
    assert before == package_digest(copy)
    model.write_text(original + "# a change\n", encoding="utf-8")
    try:
        assert version() != before
    finally:
        model.write_text(original, encoding="utf-8")


def test_every_cache_is_keyed_by_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cohort manifest changes with it (the figure cache:
    test_figure_cache.test_figures_made_by_other_code_are_not_used)."""
    keys = []
    for version in ("one", "two"):
        monkeypatch.setattr(cohort_files, "code_version", lambda v=version: v)
        keys.append(cohort_files.inputs_digest("Ana", "h", [], "b"))
    assert keys[0] != keys[1]
