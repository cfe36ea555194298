"""One report pipeline over one PDF service: formats and export formats are one entry each, every
report's release is recorded where its file is written, and only the PDF service loads WeasyPrint."""

from __future__ import annotations

import ast
import hashlib
import io
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

import pypdf
import pytest
from typer.testing import Result

from leadcheck import exportformats
from leadcheck.demo import demo_leaders, demo_responses
from leadcheck.importing.policy import add_responses
from leadcheck.instrument.catalog import load_instrument
from leadcheck.pdf.render import write_pdf
from leadcheck.report import formats
from leadcheck.report.bundle import TemplateBundle
from leadcheck.store import Store

from .conftest import REPO


@pytest.fixture
def demo_db(db: Path) -> Path:
    inst = load_instrument("psl-360")
    with Store.open(db) as store:
        add_responses(store, demo_responses(inst, demo_leaders(2, 6), 6), inst)
    return db


def leader_of(db: Path) -> str:
    with Store.open(db) as store:
        return store.leaders.every()[0].name


def releases(db: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT kind, file_digest FROM releases ORDER BY id").fetchall()


class PlainText:
    """A format a project might add: the report's text, without markup."""

    name = "txt"
    suffixes = (".txt",)
    needs_weasyprint = False

    def render(self, html: str, bundle: TemplateBundle) -> tuple[bytes, tuple[str, ...]]:
        body = html.split("<body", 1)[1]
        return " ".join(re.sub(r"<[^>]+>", " ", body).split()).encode("utf-8"), ()


def test_a_new_output_format_is_one_entry_and_its_file_is_released(
    run: Callable[..., Result], demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(formats.FORMATS, "txt", PlainText())
    name = leader_of(demo_db)
    out = tmp_path / "r.txt"  # the suffix chooses the format
    result = run("report", name, "-o", str(out))
    assert result.exit_code == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert name in text and "<" not in text
    assert releases(demo_db) == [("report", hashlib.sha256(out.read_bytes()).hexdigest())]
    assert result.stderr.startswith(f"Wrote {out} (")


def test_an_unknown_output_format_is_one_clear_error_and_nothing_is_released(
    run: Callable[..., Result], demo_db: Path, tmp_path: Path
) -> None:
    out = tmp_path / "r.pdf"
    result = run("report", leader_of(demo_db), "-o", str(out), "--format", "docx")
    assert result.exit_code == 2
    assert result.stderr == 'error: --format "docx" is not an output format; expected one of pdf, html\n'
    assert not out.exists()
    assert releases(demo_db) == []


def test_the_html_format_is_chosen_by_suffix_and_released_like_a_pdf(
    run: Callable[..., Result], demo_db: Path, tmp_path: Path
) -> None:
    out = tmp_path / "r.htm"
    result = run("report", leader_of(demo_db), "-o", str(out), "--draft")
    assert result.exit_code == 0, result.stderr
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert releases(demo_db) == [("draft", hashlib.sha256(out.read_bytes()).hexdigest())]


def test_export_writes_through_the_registry_and_offers_each_entry(
    cli: Callable[..., object], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--format names an entry of EXPORT_FORMATS, and that entry's writer is the one that runs."""

    def names(store: Store, out: TextIO) -> int:
        leaders = store.leaders.every()
        out.write("".join(f"{leader.name}\n" for leader in leaders))
        return len(leaders)

    inst = load_instrument("psl-360")
    with Store.open(tmp_path / "workspace.db") as store:
        add_responses(store, demo_responses(inst, demo_leaders(2, 6), 6), inst)
    monkeypatch.setitem(
        exportformats.EXPORT_FORMATS,
        "csv",
        exportformats.ExportFormat("csv", "names", names, has_ledger=True),
    )
    result = cli("export", "--format", "csv", "-o", "names.txt")
    assert result.exit_code == 0, result.stderr  # type: ignore[attr-defined]
    assert (tmp_path / "names.txt").read_text().splitlines() == [p.name for p in demo_leaders(2, 6)]
    assert result.stderr == "Wrote 2 responses to names.txt.\n"  # type: ignore[attr-defined]


def test_an_unknown_export_format_is_one_clear_error(cli: Callable[..., object], tmp_path: Path) -> None:
    result = cli("export", "--format", "xml", "-o", "out.xml")
    assert result.exit_code == 2  # type: ignore[attr-defined]
    assert "'xml' is not one of 'json', 'csv'" in result.stderr  # type: ignore[attr-defined]
    assert "Traceback" not in result.stderr  # type: ignore[attr-defined]
    assert not (tmp_path / "out.xml").exists()


def test_export_help_lists_every_registered_format(cli: Callable[..., object]) -> None:
    shown = " ".join(cli("export", "--help").stdout.split())  # type: ignore[attr-defined]
    assert f"--format {'|'.join(exportformats.EXPORT_FORMATS)}" in shown
    for name in exportformats.EXPORT_FORMATS:
        assert f"{name}:" in shown


def test_only_the_pdf_service_imports_weasyprint() -> None:
    """The report and the questionnaire reach WeasyPrint through leadcheck.pdf, never themselves."""
    src = REPO / "src" / "leadcheck"
    importers = set()
    for path in src.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(n == "weasyprint" or n.startswith("weasyprint.") for n in names):
                importers.add(path.relative_to(src).parts[0])
    assert importers == {"pdf"}


def test_a_document_without_files_loads_nothing_from_outside() -> None:
    """What the questionnaire gets: the locked fetcher with no files refuses every URL."""
    html = (
        '<html lang="en"><head><title>t</title><style>body { background: url(file:///etc/hostname) }</style>'
        '</head><body><p>x</p><img src="file:///etc/hostname" alt="a"><img src="logo.png" alt="b"></body></html>'
    )
    reader = pypdf.PdfReader(io.BytesIO(write_pdf(html)))
    for page in reader.pages:
        xobjects = (page.get("/Resources") or {}).get("/XObject") or {}
        assert all(x.get_object().get("/Subtype") != "/Image" for x in xobjects.values())
