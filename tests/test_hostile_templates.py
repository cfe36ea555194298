"""Custom templates are someone else's code: Jinja's sandbox keeps them to printing and looping."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadcheck.base.errors import ReportError
from leadcheck.base.responses import Response
from leadcheck.demo import demo_leaders, demo_responses
from leadcheck.importing.policy import add_responses
from leadcheck.instrument.catalog import load_instrument
from leadcheck.report.longtext import BREAK_EVERY, MAX_COMMENT, ZERO_WIDTH_SPACE, prepare_comment
from leadcheck.report.render import render
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


# -- resources: what a template may spend (leadcheck.report.budget) -------------------------------

WIDTH = "it asked for a width of 999,999,999 (at most 1,000)"
GROWN = "it would build a value of more than 4,000,000 characters"
BUILT = "it built a value of more than 4,000,000 characters or items"

# Each would loop for hours or build a value of gigabytes; each is refused before it does.
BUDGET_ATTACKS = [
    (
        "{% for a in range(99999) %}{% for b in range(99999) %}{% endfor %}{% endfor %}",
        "it took more than 2,000,000 steps (loop iterations, calls and filters)",
    ),
    ("{{ 'x' | center(999999999) }}", WIDTH),
    ("{{ 'x' | indent(999999999) }}", "it asked for an indent of 999,999,999 (at most 1,000)"),
    ("{{ ('x\\n' * 50000) | indent(999) }}", GROWN),
    ("{{ '%999999999s' | format('') }}", WIDTH),
    ("{{ '%999999999s' % '' }}", WIDTH),
    (
        "{{ '%*s' % (999999999, '') }}",
        "it asked for a width from the arguments (`*`; write a number up to 1,000)",
    ),
    ("{{ '{:>999999999}'.format(1) }}", WIDTH),
    ("{{ 'x'.ljust(999999999) }}", WIDTH),
    ("{{ range(99999) | map('string') | join('x' * 99999) }}", GROWN),
    ("{{ ('x' * 99999) | replace('x', 'y' * 99999) }}", GROWN),
    (
        "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
        GROWN,
    ),
    (
        "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}",
        GROWN,
    ),
    ("{% set x = 'x' * 99999 %}" + "{% set x = x ~ x %}" * 40 + "{{ x }}", GROWN),
    (
        "{% macro m(s, n) %}{% if n %}{{ m(s ~ s, n - 1) }}{% endif %}{% endmacro %}{{ m('x', 40) }}",
        GROWN,
    ),
    ("{% set a = [1] * 99999 %}{% set b = [" + "a, " * 60 + "] %}{{ b }}", BUILT),
    ("{% for i in range(99999) %}{{ 'x' * 99999 }}{% endfor %}", "it wrote more than 33,554,432 characters"),
    ("{{ lipsum(n=10000000) }}", "it asked for 10,000,000 paragraphs of lipsum (at most 100)"),
    (
        "{{ range(9) | batch(999999999, 'x') | list }}",
        "it asked for a batch size of 999,999,999 (at most 1,000)",
    ),
    ("{{ ('\\t' * 99999).expandtabs(999) }}", GROWN),
]


@pytest.mark.parametrize(("attack", "found"), BUDGET_ATTACKS)
def test_a_template_over_its_budget_is_one_clear_error(
    card: Scorecard, tmp_path: Path, attack: str, found: str
) -> None:
    import time

    started = time.monotonic()
    with pytest.raises(ReportError) as caught:
        render(card, "html", template_dir=template_dir(tmp_path, attack))
    assert str(caught.value) == (
        f"template report.html.j2 (or a template it includes) went over its budget: {found}; "
        "a report template must stay within its budgets (README, Custom templates: budgets); "
        "simplify its loops, widths and repetitions"
    )
    assert time.monotonic() - started < 60  # generous: each stops within seconds, not hours


def test_a_template_past_its_deadline_stops(
    card: Scorecard, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    from leadcheck.report import budget

    monkeypatch.setattr(budget, "SECONDS", 0.5)
    monkeypatch.setattr(budget, "MAX_STEPS", 10**12)
    body = "{% for a in range(99999) %}{% for b in range(99999) %}{% endfor %}{% endfor %}"
    started = time.monotonic()
    with pytest.raises(ReportError, match=r"went over its budget: it ran for more than 0\.5 s; "):
        render(card, "html", template_dir=template_dir(tmp_path, body))
    assert time.monotonic() - started < 60


def test_the_shipped_report_is_well_within_its_budget(card: Scorecard) -> None:
    from leadcheck.report import budget
    from leadcheck.report.bundle import load_bundle
    from leadcheck.report.html import render_template
    from leadcheck.report.render import view_for

    with budget.metered() as meter:
        html = render_template(load_bundle(), "report.html.j2", r=view_for(card))
    assert 0 < meter.steps < budget.MAX_STEPS // 1000  # about 450 for this report
    assert len(html) <= meter.output < budget.MAX_OUTPUT // 100


def test_widths_and_repetitions_within_the_budget_still_work(card: Scorecard, tmp_path: Path) -> None:
    body = (
        "{{ 'a' | center(9) }}|{{ '%5s' % 'b' }}|{{ '{:>4}'.format('c') }}|{{ ['d', 'e'] | join('-') }}|"
        "{% set ns = namespace(s='f') %}{% for i in range(3) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}"
    )
    html = render(card, "html", template_dir=template_dir(tmp_path, body)).decode()
    assert "    a    |    b|   c|d-e|ffffffff" in html


def test_the_report_command_stops_an_endless_template_with_one_line(
    run: Callable[..., object], tmp_path: Path, db: Path
) -> None:
    from leadcheck.store import Store

    psl = load_instrument("psl-360")
    with Store.open(db) as store:
        leaders = demo_leaders(1, 3)
        add_responses(store, demo_responses(psl, leaders, 3), psl)
    custom = template_dir(tmp_path, BUDGET_ATTACKS[0][0])
    out = tmp_path / "r.html"
    result: Any = run("report", leaders[0].name, "-o", str(out), "--template-dir", str(custom))
    assert result.exit_code == 1
    assert result.stderr == (
        "error: template report.html.j2 (or a template it includes) went over its budget: it took more "
        "than 2,000,000 steps (loop iterations, calls and filters); a report template must stay within its "
        "budgets (README, Custom templates: budgets); simplify its loops, widths and repetitions\n"
    )
    assert not out.exists()


def test_a_number_squared_without_end_is_stopped(card: Scorecard, tmp_path: Path) -> None:
    body = (
        "{% set ns = namespace(x=2 ** 64) %}{% for i in range(40) %}{% set ns.x = ns.x * ns.x %}{% endfor %}"
    )
    with pytest.raises(
        ReportError, match="went over its budget: it computed a number of more than 4,096 bits; "
    ):
        render(card, "html", template_dir=template_dir(tmp_path, body))


def test_filters_take_all_their_arguments_through_the_budget(card: Scorecard, tmp_path: Path) -> None:
    body = "[{{ 'hello world' | truncate(9, true, '..', 0) }}|{{ 'a b c' | wordwrap(2, true, '/', true) }}]"
    html = render(card, "html", template_dir=template_dir(tmp_path, body)).decode()
    assert "[hello w..|a/b/c]" in html
