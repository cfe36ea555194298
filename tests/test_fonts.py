"""Every script prints as text: the font chain, the coverage check and its warning."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadcheck.base.responses import IncomingResponse, Response
from leadcheck.importing.policy import add_responses
from leadcheck.instrument.catalog import load_instrument
from leadcheck.report import glyphs
from leadcheck.report.formats import render_task
from leadcheck.report.render import report_task
from leadcheck.scoring import score
from leadcheck.store import Store

from .conftest import pdftotext

# One sample per script the report's font chain promises, each a name or a comment.
SAMPLES = {
    "Vietnamese": "Nguyễn Thị Ngọc Ánh",
    "Greek": "Ελένη Παπαδοπούλου",
    "Cyrillic": "Ольга Иванова",
    "Chinese": "王芳很会倾听",
    "Japanese": "佐藤さんはチームを信頼",
    "Korean": "김민준 팀장님",
    "Arabic": "سلمى الحسن",
    "Hebrew": "נועה כהן",
}
COMMENT = "A comment whose words are private."


def covered_by_fontconfig(char: str) -> bool:
    """Whether fontconfig lists any font with ``char``: asked per character, independently of glyphs.py."""
    listing = subprocess.run(
        ["fc-list", f":charset={ord(char):x}", "family"], capture_output=True, text=True, check=True
    )
    return bool(listing.stdout.strip())


def test_the_machine_has_a_font_for_every_promised_script() -> None:
    # `make system-deps` installs these; without them the report tests below prove nothing.
    for script, sample in SAMPLES.items():
        lacking = [c for c in sample if not c.isspace() and not covered_by_fontconfig(c)]
        assert not lacking, f"no installed font covers the {script} sample; run `make system-deps`"


def test_a_report_mixing_every_script_prints_each_as_text() -> None:
    psl = load_instrument("psl-360")
    name = f"{SAMPLES['Vietnamese']} {SAMPLES['Chinese'][:2]}"
    comments = [f"{script}: {text}" for script, text in SAMPLES.items()]
    responses = [
        Response("self", dict.fromkeys(psl.items, 4), {"keep": comments[0]}),
        *[Response("direct_report", dict.fromkeys(psl.items, 3), {"keep": c}) for c in comments[1:4]],
        *[Response("peer", dict.fromkeys(psl.items, 4), {"start": c}) for c in comments[4:7]],
        Response("manager", dict.fromkeys(psl.items, 5), {"stop": comments[7]}),
    ]
    rendered = render_task(report_task("report.pdf", score(psl, responses, name)))
    assert rendered.missing_scripts == ()
    text = re.sub(r"\s+", " ", pdftotext(rendered.data))
    assert name in text
    for script, sample in SAMPLES.items():
        if script in ("Arabic", "Hebrew"):  # right to left: pdftotext may give the words in visual order
            assert all(word in text or word[::-1] in text for word in sample.split()), script
        else:
            assert sample in text, script


def test_coverage_names_scripts_never_text() -> None:
    ascii_only = frozenset(range(0x20, 0x7F))
    text = f"Ana {SAMPLES['Chinese']} {SAMPLES['Arabic']} {SAMPLES['Korean']} ☃\u200b\n"
    scripts = glyphs.missing_scripts(text, ascii_only)
    assert scripts == ("Arabic", "CJK", "Symbol")
    message = glyphs.warning("the report of Ana", scripts)
    assert message == (
        "the report of Ana holds Arabic, CJK, Symbol characters that no installed font can draw; they print "
        "as empty boxes: install Noto Sans CJK (Debian: fonts-noto-cjk) and Noto Color Emoji (Debian: "
        "fonts-noto-color-emoji) and the Noto fonts (Debian: fonts-noto-core, or fonts-noto for every "
        "script), then render again"
    )
    assert glyphs.missing_scripts("plain text", ascii_only) == ()
    assert glyphs.missing_scripts(text, None) == glyphs.missing_scripts(text)


def test_html_text_drops_markup_and_decodes_entities() -> None:
    page = "<style>p{content:'王'}</style><p title='王'>Ana &amp; 李</p><script>x='王'</script>"
    assert glyphs.html_text(page).split() == ["Ana", "&", "李"]


def test_fontconfig_charsets_are_parsed() -> None:
    assert sorted(glyphs.parse_charsets(["20-22", "a0", "zz", "4e00-4e01"])) == [
        0x20, 0x21, 0x22, 0xA0, 0x4E00, 0x4E01,
    ]  # fmt: skip


@pytest.fixture
def no_cjk_fonts(monkeypatch: pytest.MonkeyPatch) -> None:
    """This machine without its CJK fonts."""
    cjk = [(0x2E80, 0x9FFF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF), (0xFF00, 0xFFEF), (0x20000, 0x3FFFF)]
    real = glyphs.installed_coverage() or frozenset()
    fewer = frozenset(c for c in real if not any(low <= c <= high for low, high in cjk))
    monkeypatch.setattr(glyphs, "installed_coverage", lambda: fewer)


def _workspace(db: Path) -> None:
    inst = load_instrument("psl-360")
    rows = [
        IncomingResponse(
            "王芳",
            group,
            dict.fromkeys(inst.items, 4),
            {"keep": f"{COMMENT} 東京 {n}"},
            f"t:{n}",
            cohort="east",
        )
        for n, group in enumerate(["self", "manager", "peer", "peer", "peer"])
    ]
    with Store.open(db) as store:
        add_responses(store, rows, inst)


@pytest.mark.usefixtures("no_cjk_fonts")
def test_report_warns_about_characters_without_a_font(
    run: Callable[..., object], db: Path, tmp_path: Path
) -> None:
    _workspace(db)
    result = run("report", "王芳", "-o", str(tmp_path / "r.pdf"))
    assert result.exit_code == 0, result.stderr  # type: ignore[attr-defined]
    lines = result.stderr.splitlines()  # type: ignore[attr-defined]
    assert lines[0].startswith(f"Wrote {tmp_path / 'r.pdf'} (")
    assert lines[1] == f"warning: {glyphs.warning('the report of 王芳', ('CJK',))}"
    assert COMMENT not in result.stderr and "東京" not in result.stderr  # type: ignore[attr-defined]


@pytest.mark.usefixtures("no_cjk_fonts")
def test_cohort_report_warns_per_document(run: Callable[..., object], db: Path, tmp_path: Path) -> None:
    _workspace(db)
    result = run("cohort", "report", "east", "-o", str(tmp_path / "out"), "--jobs", "1", "--quiet")
    assert result.exit_code == 0, result.stderr  # type: ignore[attr-defined]
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]  # type: ignore[attr-defined]
    assert warnings == [
        f"warning: {glyphs.warning('the report of 王芳', ('CJK',))}",
        f"warning: {glyphs.warning('the cohort summary', ('CJK',))}",
    ]
    assert COMMENT not in result.stderr  # type: ignore[attr-defined]


@given(st.lists(st.tuples(st.integers(0, 300), st.integers(0, 40)), max_size=30), st.integers(-5, 400))
def test_ranges_hold_exactly_the_code_points_of_their_parts(parts: list[tuple[int, int]], probe: int) -> None:
    pairs = [(first, first + length) for first, length in parts]
    expected = {c for first, last in pairs for c in range(first, last + 1)}
    ranges = glyphs.Ranges(pairs)
    assert (probe in ranges) == (probe in expected)
    assert list(ranges) == sorted(expected)
