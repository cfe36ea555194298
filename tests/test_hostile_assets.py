"""Template folders and their assets are bounded before WeasyPrint sees them: size, count, SVG <use>."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from leadcheck.base.errors import ReportError
from leadcheck.base.responses import Response
from leadcheck.demo import demo_leaders, demo_responses
from leadcheck.instrument.catalog import load_instrument
from leadcheck.pdf import render as pdf_module
from leadcheck.report import bundle as bundle_module
from leadcheck.report.assets import MAX_DRAWN, check_document, check_svg_asset
from leadcheck.report.bundle import load_bundle
from leadcheck.report.render import render
from leadcheck.scoring import Scorecard, score

FIX = "simplify it (fewer <use> of groups that themselves <use>) or use a PNG"


def nested_use(levels: int = 9, fan: int = 10) -> str:
    """About 1.6 KB that draws fan ** levels rectangles: each group uses the one before ``fan`` times."""
    groups = ['<g id="g0"><rect width="1" height="1"/></g>']
    for level in range(1, levels + 1):
        groups.append(f'<g id="g{level}">' + f'<use href="#g{level - 1}"/>' * fan + "</g>")
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><defs>'
        + "".join(groups)
        + f'</defs><use href="#g{levels}"/></svg>'
    )


@pytest.fixture(scope="module")
def card() -> Scorecard:
    psl = load_instrument("psl-360")
    leader = demo_leaders(1, 3)[0]
    incoming = demo_responses(psl, [leader], 3)
    return score(psl, [Response(r.group, r.answers, r.comments) for r in incoming], "Ana Ruiz")


def folder(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    custom = tmp_path / "tpl"
    custom.mkdir(exist_ok=True)
    for name, content in files.items():
        path = custom / name
        if isinstance(content, str):
            path.write_text(content)
        else:
            path.write_bytes(content)
    return custom


def test_a_nested_use_svg_asset_is_refused_when_the_folder_is_read(tmp_path: Path) -> None:
    svg = nested_use()
    assert len(svg) < 2000
    custom = folder(tmp_path, {"logo.svg": svg})
    started = time.monotonic()
    with pytest.raises(ReportError) as caught:
        load_bundle(custom)
    assert str(caught.value) == (
        f"{custom / 'logo.svg'}: this SVG draws more than 20,000 elements once its <use> references "
        f"are expanded; {FIX}"
    )
    assert time.monotonic() - started < 10


def test_a_use_cycle_is_refused() -> None:
    svg = '<svg><g id="a"><use href="#b"/></g><g id="b"><use href="#a"/></g><use href="#a"/></svg>'
    with pytest.raises(ReportError, match="draws more than 20,000 elements"):
        check_svg_asset("loop.svg", svg.encode())


def test_an_svg_asset_may_not_refer_outside_itself() -> None:
    svg = '<svg><image href="other.svg"/><use xlink:href="#x"/></svg>'
    with pytest.raises(ReportError) as caught:
        check_svg_asset("a.svg", svg.encode())
    assert str(caught.value) == (
        'a.svg: this SVG refers to "other.svg"; an SVG asset may refer only to its own elements (#id), '
        "so put what it shows inside it"
    )


def test_an_svg_asset_may_not_declare_entities() -> None:
    svg = '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg>&a;</svg>'
    with pytest.raises(ReportError, match="this SVG declares entities"):
        check_svg_asset("a.svg", svg.encode())


def test_a_modest_svg_with_uses_is_drawn(tmp_path: Path) -> None:
    # An upper bound: each group (2, 16, 86, 436 elements expanded) counted for every <use> of it,
    # the definitions among them, and the file's 23 elements once more.
    assert (
        check_svg_asset("ok.svg", nested_use(levels=3, fan=5).encode()) == 23 + 5 * 2 + 5 * 16 + 5 * 86 + 436
    )
    custom = folder(tmp_path, {"logo.svg": nested_use(levels=3, fan=5)})
    assert "logo.svg" in load_bundle(custom).files


def test_inline_nested_use_in_a_template_is_refused_before_layout(card: Scorecard, tmp_path: Path) -> None:
    custom = folder(
        tmp_path,
        {
            "report.html.j2": '{% extends "base.html.j2" %}{% block extra_sections %}'
            + nested_use()
            + "{% endblock %}"
        },
    )
    started = time.monotonic()
    with pytest.raises(ReportError) as caught:
        render(card, "pdf", template_dir=custom)
    assert str(caught.value) == (
        f"the report's SVG (inline, or images it shows) draws more than {MAX_DRAWN:,} elements once "
        f"<use> references are expanded; {FIX}"
    )
    assert time.monotonic() - started < 60


def test_an_svg_asset_shown_many_times_counts_each_time() -> None:
    html = "<html><body>" + '<img src="chart.svg">' * 30 + "</body></html>"
    check_document(html, {"chart.svg": 600})
    with pytest.raises(ReportError):
        check_document(html, {"chart.svg": 700})
    for shown in ('<object data="chart.svg"></object>', '<div style="background: url(chart.svg)"></div>'):
        with pytest.raises(ReportError):
            check_document(f"<html><body>{shown * 30}</body></html>", {"chart.svg": 700})


def test_a_file_over_its_cap_is_refused_without_reading_it_whole(tmp_path: Path) -> None:
    custom = folder(tmp_path, {})
    with (custom / "big.png").open("wb") as f:
        f.truncate(64 * 1024 * 1024)  # sparse: 64 MiB that cost nothing
    with pytest.raises(ReportError) as caught:
        load_bundle(custom)
    assert str(caught.value) == f"{custom / 'big.png'}: larger than 8 MiB; templates and assets must be small"


def test_a_folder_over_its_total_cap_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bundle_module, "MAX_BUNDLE_BYTES", 3 * 1024 * 1024)
    custom = folder(tmp_path, {f"f{i}.png": b"\0" * (1024 * 1024) for i in range(4)})
    with pytest.raises(ReportError) as caught:
        load_bundle(custom)
    assert str(caught.value) == (
        f"{custom}: its templates and assets come to more than 3 MiB; every render worker gets a copy, "
        "so keep them under that (smaller images, fewer fonts)"
    )


def test_a_folder_of_too_many_entries_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bundle_module, "MAX_ENTRIES", 50)
    custom = folder(tmp_path, {f"note{i}.txt": "x" for i in range(60)})
    with pytest.raises(ReportError) as caught:
        load_bundle(custom)
    assert str(caught.value) == (
        f"{custom}: more than 50 files and folders; a template folder holds only templates, the "
        "stylesheet, images and fonts: point --template-dir at that folder"
    )


def test_a_pdf_past_its_deadline_is_one_clear_error(card: Scorecard, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_module, "PDF_SECONDS", 0.05)
    started = time.monotonic()
    with pytest.raises(ReportError) as caught:
        render(card, "pdf")
    assert str(caught.value) == (
        "PDF rendering took more than 0.05 s, the budget of one document; "
        "make the templates lighter (fewer pages, smaller images and SVG)"
    )
    assert time.monotonic() - started < 60


def test_a_template_over_its_cap_is_refused_before_it_is_compiled(tmp_path: Path) -> None:
    custom = folder(tmp_path, {"report.html.j2": "{{ r.leader }}" * 20_000})
    with pytest.raises(ReportError) as caught:
        load_bundle(custom)
    assert str(caught.value) == (
        f"{custom / 'report.html.j2'}: larger than 256 KiB; templates and assets must be small"
    )


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="needs named pipes")
def test_a_pipe_in_a_files_place_is_refused_not_waited_on(tmp_path: Path) -> None:
    """Listed as a file, replaced by a named pipe before it is read: refused at once."""
    import os

    from leadcheck.report.bundle import _read_capped

    pipe = tmp_path / "logo.png"
    os.mkfifo(pipe)
    with pytest.raises(ReportError) as caught:
        _read_capped(pipe, pipe, 1024)
    assert str(caught.value) == (
        f"{pipe}: not a regular file (a pipe or a device); a template folder may hold only files: "
        "remove it from the folder"
    )
