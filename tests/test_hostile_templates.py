"""Custom templates are someone else's code: Jinja's sandbox keeps them to printing and looping."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadcheck.demo import demo_leaders, demo_responses
from leadcheck.errors import ReportError
from leadcheck.importing.policy import add_responses
from leadcheck.instrument.catalog import load_instrument
from leadcheck.report.longtext import BREAK_EVERY, MAX_COMMENT, ZERO_WIDTH_SPACE, prepare_comment
from leadcheck.report.render import render
from leadcheck.responses import Response
from leadcheck.scoring import Scorecard, score

# Each reaches (or tries to reach) Python objects, files or the process.
ATTACKS = [
    '{{ cycler.__init__.__globals__.os.popen("echo PWNED").read() }}',
    "{{ joiner.__init__.__globals__ }}",
    "{{ namespace.__init__.__globals__.os }}",
    "{{ r.__class__.__mro__[1].__subclasses__() }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ lipsum.__globals__['os'].popen('echo PWNED').read() }}",
    "{{ r.__init__.__globals__ }}",
    "{{ ().__class__.__base__.__subclasses__() }}",
    "{{ r.sections.append(1) }}",
    "{{ ({}).update(a=1) }}",
    "{{ 'PWNED' * 1000000000 }}",
    "{{ 9 ** 999 }}",
    "{{ (((9 ** 64) ** 64) ** 64) ** 64 }}",
    "{{ range(10000000) | list }}",
    "{{ ''.format.__self__ }}",
    "{% set x = r.__dict__ %}{{ x }}",
    "{{ 1 / 0 }}",
    "{{ r.leader + 1 }}",
    "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
]


@pytest.fixture(scope="module")
def card() -> Scorecard:
    psl = load_instrument("psl-360")
    leader = demo_leaders(1, 3)[0]
    incoming = demo_responses(psl, [leader], 3)
    return score(psl, [Response(r.group, r.answers, r.comments) for r in incoming], "Ana Ruiz")


def template_dir(tmp_path: Path, body: str) -> Path:
    custom = tmp_path / "tpl"
    custom.mkdir(exist_ok=True)
    (custom / "report.html.j2").write_text(
        '{% extends "base.html.j2" %}{% block extra_sections %}<section>' + body + "</section>{% endblock %}"
    )
    return custom


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_hostile_template_is_one_clear_error_and_runs_nothing(
    card: Scorecard, tmp_path: Path, attack: str
) -> None:
    with pytest.raises(ReportError) as caught:
        render(card, "html", template_dir=template_dir(tmp_path, attack))
    message = str(caught.value)
    assert message.startswith("template ")
    assert "PWNED" not in message


def test_printing_and_looping_still_work_in_the_sandbox(card: Scorecard, tmp_path: Path) -> None:
    body = "{% for s in r.sections %}[{{ s.name | upper }}]{% endfor %}{{ 'ab' * 3 }}{{ 2 ** 10 }}"
    html = render(card, "html", template_dir=template_dir(tmp_path, body)).decode()
    assert "[BECOMING SELF-AWARE]" in html
    assert "ababab" in html
    assert "1024" in html


def test_the_report_command_refuses_a_hostile_template_and_writes_nothing(
    run: Callable[..., object], tmp_path: Path, db: Path
) -> None:
    from leadcheck.store import Store

    psl = load_instrument("psl-360")
    with Store.open(db) as store:
        leaders = demo_leaders(1, 3)
        add_responses(store, demo_responses(psl, leaders, 3), psl)
    custom = template_dir(tmp_path, ATTACKS[0])
    out = tmp_path / "r.pdf"
    result = run("report", leaders[0].name, "-o", str(out), "--template-dir", str(custom))
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert result.stderr.startswith("error: template report.html.j2")  # type: ignore[attr-defined]
    assert "Traceback" not in result.stderr  # type: ignore[attr-defined]
    assert "PWNED" not in result.stdout + result.stderr  # type: ignore[attr-defined]
    assert not out.exists()


# -- layout time: a rater's endless "word" ----------------------------------------------------


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=3 * MAX_COMMENT))
def test_a_prepared_comment_is_bounded_breakable_and_faithful(text: str) -> None:
    shown = prepare_comment(text)
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", shown)
    text = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", "", text)
    assert len(shown) <= MAX_COMMENT + MAX_COMMENT // BREAK_EVERY + 200
    assert all(len(run) <= BREAK_EVERY for run in re.split(r"[\s\u200b]", shown))
    kept = shown.replace(ZERO_WIDTH_SPACE, "")
    if len(text) <= MAX_COMMENT:
        assert kept == text.replace(ZERO_WIDTH_SPACE, "")
    else:
        assert text.replace(ZERO_WIDTH_SPACE, "").startswith(kept.split(" … [shortened")[0])
        assert f"{len(text) - MAX_COMMENT:,} more characters" in kept


def test_a_300000_character_comment_is_cut_with_a_visible_note(card: Scorecard) -> None:
    import io

    import pypdf

    from .conftest import pdftotext

    word = "x" * 300_000
    question = card.instrument.questions[0].id
    hostile = replace(card, comments={**card.comments, question: (word, *card.comments.get(question, ()))})
    plain_pages = len(pypdf.PdfReader(io.BytesIO(render(card, "pdf"))).pages)
    data = render(hostile, "pdf")
    assert len(pypdf.PdfReader(io.BytesIO(data)).pages) <= plain_pages + 2
    text = " ".join(pdftotext(data).split())
    assert (
        "shortened for the report: 296,000 more characters; the whole comment is in `leadcheck export`"
        in text
    )


def test_control_characters_never_reach_the_report(card: Scorecard) -> None:
    question = card.instrument.questions[0].id
    typed = "Clear\x1b[D\x1b[C goals\x00 and\x07 follow-up\nSecond line"
    hostile = replace(card, comments={**card.comments, question: (typed,)})
    html = render(hostile, "html").decode()
    assert "Clear[D[C goals and follow-up\nSecond line" in html
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", html)
