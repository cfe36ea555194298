"""`leadcheck plan`: a plan from a file or the terminal, its PDF, and the plan everywhere data goes."""

from __future__ import annotations

import io
import json
import re
import sqlite3
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader
from typer.testing import Result

from leadcheck.base.responses import IncomingResponse
from leadcheck.development import offers
from leadcheck.importing.policy import add_responses
from leadcheck.instrument.catalog import instrument_from_text
from leadcheck.scorecards import released_card
from leadcheck.store import Store

from .conftest import MINI_360, pdftotext
from .test_terminal import Terminal, terminal  # noqa: F401 (the fixture)

Run = Callable[..., Result]
ALL = {"l-1": 4, "l-2": 2, "d-1": 3, "f-1": 5}
LATER = (date.today() + timedelta(days=90)).isoformat()
EVEN_LATER = (date.today() + timedelta(days=120)).isoformat()


def add(db: Path, rows: list[tuple[str, str, dict[str, int | None], str]], leader: str = "Ana") -> None:
    """(group, rater, answers, comment) for ``leader`` on the mini instrument."""
    inst = instrument_from_text(MINI_360.read_text(encoding="utf-8"), "mini.yaml")
    incoming = [
        IncomingResponse(leader, group, answers, {"keep": c} if c else {}, f"t:{n}", rater_identity=who)
        for n, (group, who, answers, c) in enumerate(rows)
    ]
    with Store.open(db) as store:
        add_responses(store, incoming, inst)


def rated(db: Path) -> None:
    """Ana rated by herself, her manager and three peers; the peers rate deciding (d-1) lowest."""
    peers = [("peer", f"p{n}", {**ALL, "d-1": 1, "l-1": 3}, "a private remark") for n in range(3)]
    add(db, [("self", "self", ALL, ""), ("manager", "m", ALL, ""), *peers])


def plan_file(tmp_path: Path, text: str, name: str = "plan.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD = f"""\
leadcheck_plan: 1
focus:
  - item: d-1
    action: Decide in the meeting, not after it <b>now</b>
    tell: my team
    by: {LATER}
  - item: 1
    action: Let people finish before I answer
    tell: my manager
    by: {EVEN_LATER}
"""


def stored(db: Path) -> list[tuple[str, str, str, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT item_id, action, tell, by_date FROM plan_focus ORDER BY position"
        ).fetchall()


def test_a_plan_file_is_stored_and_shown(run: Run, db: Path, tmp_path: Path) -> None:
    rated(db)
    saved = run("plan", "Ana", "--file", str(plan_file(tmp_path, GOOD)))
    assert saved.exit_code == 0, saved.stderr
    assert saved.stderr == "Saved the plan for round 1 of Ana.\n"
    assert "1. d-1 I decide." in saved.stdout and "2. l-1 I listen." in saved.stdout
    assert stored(db) == [
        ("d-1", "Decide in the meeting, not after it <b>now</b>", "my team", LATER),
        ("l-1", "Let people finish before I answer", "my manager", EVEN_LATER),
    ]
    shown = json.loads(run("plan", "Ana", "--show", "--format", "json").stdout)
    assert shown["round"] == 1 and shown["instrument"] == "mini"
    assert [f["item"] for f in shown["focus"]] == ["d-1", "l-1"]
    assert shown["focus"][0] == {
        "item": "d-1",
        "behaviour": "I decide.",
        "competency": "Deciding",
        "action": "Decide in the meeting, not after it <b>now</b>",
        "tell": "my team",
        "by": LATER,
    }
    # Saved again, the round's plan is replaced whole.
    one = GOOD.split("  - item: 1")[0]
    assert run("plan", "Ana", "--file", str(plan_file(tmp_path, one))).exit_code == 0
    assert [r[0] for r in stored(db)] == ["d-1"]


def test_no_terminal_and_no_file_says_how_to_give_the_plan(run: Run, db: Path) -> None:
    rated(db)
    result = run("plan", "Ana", input="")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: no plan given: run `leadcheck plan LEADER` in a terminal")
    assert "--file plan.yaml" in result.stderr and "Traceback" not in result.stderr
    shown = run("plan", "Ana", "--show")
    assert shown.exit_code == 1
    assert shown.stderr == (
        'error: leader "Ana" has no plan for round 1 on mini yet; make one with `leadcheck plan "Ana"` '
        "in a terminal, or --file plan.yaml\n"
    )


BAD_FILES = {
    "not a plan": (
        "focus: []\n",
        ['plan.yaml:1:1: not a leadcheck plan file: "leadcheck_plan: 1" is missing'],
    ),
    "unknown keys": (
        f"leadcheck_plan: 1\nfocsu: x\nfocus:\n  - item: d-1\n    action: a\n    tel: b\n    tell: b\n    by: {LATER}\n",
        [
            'plan.yaml:2:1: unknown key "focsu"; did you mean "focus"?',
            'plan.yaml:6:5: unknown key "tel"; did you mean "tell"?',
        ],
    ),
    "wrong types": (
        f"leadcheck_plan: 1\nfocus:\n  - item: d-1\n    action: 3\n    tell: [a, b]\n    by: {LATER}\n",
        [
            "plan.yaml:4:13: behaviour 1: action: expected a few words: what you will do",
            "plan.yaml:5:11: behaviour 1: tell: expected one line of text (who you will tell)",
        ],
    ),
    "unknown item": (
        f"leadcheck_plan: 1\nfocus:\n  - item: d-1x\n    action: a\n    tell: b\n    by: {LATER}\n"
        f"  - item: 9\n    action: a\n    tell: b\n    by: {LATER}\n",
        [
            'plan.yaml:3:11: behaviour 1: item: "d-1x" is not an item of mini; did you mean "d-1"?',
            'plan.yaml:7:11: behaviour 2: item: "9" is not an item number; expected 1 to 4',
        ],
    ),
    "too many": (
        "leadcheck_plan: 1\nfocus:\n"
        + "".join(f"  - item: {i}\n    action: a\n    tell: b\n    by: {LATER}\n" for i in ALL),
        ["plan.yaml:3:3: focus names 4 behaviours; a plan names 1 to 3"],
    ),
    "missing fields": (
        "leadcheck_plan: 1\nfocus:\n  - item: d-1\n    action: a\n",
        [
            "plan.yaml:3:5: behaviour 1: by is missing (by when (YYYY-MM-DD))",
            "plan.yaml:3:5: behaviour 1: tell is missing (who you will tell)",
        ],
    ),
    "dates": (
        "leadcheck_plan: 1\nfocus:\n  - item: d-1\n    action: a\n    tell: b\n    by: 2001-01-01\n"
        "  - item: l-1\n    action: a\n    tell: b\n    by: next week\n",
        [
            f"plan.yaml:6:9: behaviour 1: by: 2001-01-01 is not after today ({date.today()}); choose a day to come",
            'plan.yaml:10:9: behaviour 2: by: "next week" is not a date; write it as YYYY-MM-DD, for example',
        ],
    ),
    "twice": (
        f"leadcheck_plan: 1\nfocus:\n  - item: d-1\n    action: a\n    tell: b\n    by: {LATER}\n"
        f"  - item: 3\n    action: a\n    tell: b\n    by: {LATER}\n",
        ["plan.yaml:3:3: a plan names each behaviour once; d-1 is named twice"],
    ),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_bad_plan_file_names_every_problem_and_stores_nothing(
    run: Run, db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    rated(db)
    text, expected = BAD_FILES[case]
    monkeypatch.chdir(tmp_path)
    plan_file(tmp_path, text)
    result = run("plan", "Ana", "--file", "plan.yaml")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == len(expected)
    for line, wanted in zip(lines, expected, strict=True):
        assert line.startswith(wanted)
    assert stored(db) == []


def test_the_priorities_offered_are_those_the_leader_was_given(db: Path, tmp_path: Path, run: Run) -> None:
    rated(db)
    with Store.open(db) as store:
        assessment = store.assessments.current(store.leaders.get("Ana"))
        assert released_card(store, assessment) is None  # nothing released: nothing offered first
    assert run("report", "Ana", "-o", str(tmp_path / "r.html")).exit_code == 0
    with Store.open(db) as store:
        given = offers(released_card(store, assessment))
    # The report's behaviours to work on (its first page), in the leader's wording.
    assert [(o.item_id, o.number, o.text, o.competency) for o in given] == [
        ("l-1", 1, "I listen.", "Listening")
    ]
    assert "They listen." in (tmp_path / "r.html").read_text(encoding="utf-8")
    # A late peer rates deciding highest: the report holds those answers back, and so does the plan.
    add(db, [("peer", "late", {**ALL, "d-1": 5, "l-1": 1, "f-1": 1}, "")])
    with Store.open(db) as store:
        assert offers(released_card(store, assessment)) == given


def test_the_plan_pdf_has_the_behaviours_for_raters_and_no_figures(
    run: Run, db: Path, tmp_path: Path
) -> None:
    rated(db)
    assert run("plan", "Ana", "--file", str(plan_file(tmp_path, GOOD))).exit_code == 0
    result = run("plan", "Ana", "-o", str(tmp_path / "plan.pdf"))
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith(f"Wrote {tmp_path / 'plan.pdf'}")
    reader = PdfReader(tmp_path / "plan.pdf")
    assert len(reader.pages) == 1
    assert "/StructTreeRoot" in reader.trailer["/Root"]  # tagged, as the report
    from pdfua import Severity, validate

    checked = validate(str(tmp_path / "plan.pdf"))
    assert [f.rule_id for f in checked.findings if f.severity >= Severity.WARNING] == []
    assert reader.metadata is not None and reader.metadata.title == "Development plan: Ana"
    text = " ".join(pdftotext(tmp_path / "plan.pdf").split())
    for words in (
        "They decide.",
        "They listen.",
        "Decide in the meeting, not after it <b>now</b>",
        "my team",
    ):
        assert words in text  # the raters' wording, and the leader's words printed as written
    assert "I decide." not in text and "Your feedback helps" in text
    assert "a private remark" not in text  # no comment
    assert not re.search(r"\d\.\d", text)  # no score


def test_a_long_plan_in_other_scripts_wraps_and_stays_on_one_page(run: Run, db: Path, tmp_path: Path) -> None:
    rated(db)
    long = "Ελέγχω τις αποφάσεις μου με την ομάδα " * 7
    unbroken = "x" * 250
    text = (
        GOOD.replace("Let people finish before I answer", long.strip())
        .replace("my manager", "山田さんとチーム")
        .replace("Decide in the meeting, not after it <b>now</b>", f"أقرر في الاجتماع {unbroken}")
        .replace("my team", "הצוות שלי")
    )
    assert run("plan", "Ana", "--file", str(plan_file(tmp_path, text))).exit_code == 0
    result = run("plan", "Ana", "-o", str(tmp_path / "plan.pdf"))
    assert result.exit_code == 0 and "warning" not in result.stderr  # every script has a font
    assert len(PdfReader(tmp_path / "plan.pdf").pages) == 1
    flat = "".join(pdftotext(tmp_path / "plan.pdf").split())
    for words in ("山田さんとチーム", "Ελέγχωτιςαποφάσειςμου", unbroken):
        assert words in flat


def test_the_reports_print_this_rounds_plan_then_the_previous_one(run: Run, db: Path, tmp_path: Path) -> None:
    rated(db)
    made = run("report", "Ana", "-o", str(tmp_path / "0.html"))
    assert made.exit_code == 0 and 'record the plan with `leadcheck plan "Ana"`' in made.stderr
    before = (tmp_path / "0.html").read_text(encoding="utf-8")
    assert "leadcheck_plan: 1\nfocus:\n  - item: l-1" in before  # the worksheet: the file to fill in
    assert run("plan", "Ana", "--file", str(plan_file(tmp_path, GOOD))).exit_code == 0
    assert run("report", "Ana", "-o", str(tmp_path / "1.html")).exit_code == 0
    first = (tmp_path / "1.html").read_text(encoding="utf-8")
    assert "Your plan after this round" in first
    assert "Decide in the meeting, not after it &lt;b&gt;now" in first  # the leader's words, escaped
    assert "leadcheck_plan: 1" not in first  # the plan made, the worksheet gives way to it
    inst = instrument_from_text(MINI_360.read_text(encoding="utf-8"), "mini.yaml")
    with Store.open(db) as store:
        store.assessments.current_or_new(store.leaders.get("Ana"), inst, new=True)
    add(db, [("self", "self", ALL, ""), ("manager", "m", ALL, "")])
    assert run("report", "Ana", "-o", str(tmp_path / "2.html")).exit_code == 0
    second = (tmp_path / "2.html").read_text(encoding="utf-8")
    assert "Your plan after round 1" in second and "Your plan after this round" not in second
    assert "Let people finish before I answer" in second


def test_summary_export_import_and_purge_carry_the_plan(run: Run, db: Path, tmp_path: Path) -> None:
    rated(db)
    assert json.loads(run("summary", "Ana", "--format", "json").stdout)["plan"] is None
    assert run("plan", "Ana", "--file", str(plan_file(tmp_path, GOOD))).exit_code == 0
    summary = json.loads(run("summary", "Ana", "--format", "json").stdout)
    assert [f["item"] for f in summary["plan"]["focus"]] == ["d-1", "l-1"]
    assert ", plan: yes" in run("status", "Ana").stdout.splitlines()[0]
    assert json.loads(run("status", "Ana", "--format", "json").stdout)["plan"] is True
    assert run("export", "-o", str(tmp_path / "all.json")).exit_code == 0
    copy = tmp_path / "copy.db"
    restored = run("--db", str(copy), "import", str(tmp_path / "all.json"))
    assert restored.exit_code == 0, restored.stderr
    assert stored(copy) == stored(db)
    with sqlite3.connect(db) as a, sqlite3.connect(copy) as b:
        assert (
            a.execute("SELECT made_on FROM plans").fetchall()
            == b.execute("SELECT made_on FROM plans").fetchall()
        )
    assert run("purge", "Ana", "--yes").exit_code == 0
    assert stored(db) == []
    assert run("--db", str(copy), "purge", "--before", "3000-01-01", "--yes").exit_code == 0
    with sqlite3.connect(copy) as conn:
        assert conn.execute("SELECT count(*) FROM plans").fetchone()[0] == 0


def test_an_export_with_a_bad_plan_is_refused_whole(run: Run, db: Path, tmp_path: Path) -> None:
    rated(db)
    assert run("plan", "Ana", "--file", str(plan_file(tmp_path, GOOD))).exit_code == 0
    assert run("export", "-o", str(tmp_path / "all.json")).exit_code == 0
    text = (tmp_path / "all.json").read_text(encoding="utf-8").replace('"item": "d-1"', '"item": "zz-9"')
    (tmp_path / "bad.json").write_text(text, encoding="utf-8")
    copy = tmp_path / "copy.db"
    refused = run("--db", str(copy), "import", str(tmp_path / "bad.json"))
    assert refused.exit_code == 1
    assert "plan: behaviour 1: 'zz-9' is not an item of mini" in refused.stderr
    assert not copy.exists() or stored(copy) == []


def test_a_plan_chosen_in_the_terminal(terminal: type[Terminal], db: Path, run: Run, tmp_path: Path) -> None:  # noqa: F811
    rated(db)
    assert run("report", "Ana", "-o", str(tmp_path / "r.html")).exit_code == 0
    t = terminal(["plan", "Ana"], db)
    t.expect("Your report named these behaviours to work on:")
    t.expect("1  l-1  I listen.  (Listening)")
    t.expect("Behaviour 1: ")
    t.send("d-l\r")
    t.expect('"d-l" is not an item of mini; did you mean "d-1"?')
    t.send("d-1\r")
    t.expect("What will you do? ")
    t.send("Decide in the meeting\r")
    t.expect("Who will you tell? ")
    t.send("my team\r")
    t.expect("By when (YYYY-MM-DD)? ")
    t.send("tomorrow\r")
    t.expect('"tomorrow" is not a date; write it as YYYY-MM-DD')
    t.send(f"{LATER}\r")
    t.expect("Behaviour 2: ")
    t.send("?\r")
    t.expect("Fairness")
    t.send("\r")  # done
    t.expect("Save this plan? [y/n] ")
    t.send("y\r")
    t.expect("Saved.")
    assert t.wait() == 0
    assert stored(db) == [("d-1", "Decide in the meeting", "my team", LATER)]


def test_ctrl_c_in_the_terminal_keeps_the_plan_saved_before(
    terminal: type[Terminal],  # noqa: F811
    db: Path,
    run: Run,
    tmp_path: Path,
) -> None:
    rated(db)
    assert run("plan", "Ana", "--file", str(plan_file(tmp_path, GOOD))).exit_code == 0
    t = terminal(["plan", "Ana"], db)
    t.expect("This round has a plan")
    t.expect("Behaviour 1: ")
    t.send("f-1\r")
    t.expect("What will you do? ")
    t.send("\x03")
    t.expect("Interrupted: no plan saved; the plan saved before stays.")
    assert t.wait() == 130
    assert "Traceback" not in t.text
    assert [r[0] for r in stored(db)] == ["d-1", "l-1"]


def test_the_readme_plan_file_is_a_plan(run: Run, db: Path, tmp_path: Path) -> None:
    from leadcheck.instrument.catalog import load_instrument

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(leadcheck_plan: 1\n.*?)```", readme, re.S)
    assert block is not None
    text = re.sub(r"by: \d{4}-\d\d-\d\d", f"by: {LATER}", block.group(1))  # a date still to come
    with Store.open(db) as store:
        store.assessments.current_or_new(store.leaders.ensure("Ana Ruiz"), load_instrument("psl-360"))
    result = run("plan", "Ana Ruiz", "--file", str(plan_file(tmp_path, text)))
    assert result.exit_code == 0, result.stderr
    assert [r[:3] for r in stored(db)] == [
        ("sa-4", "Ask two peers for feedback after each review", "my team")
    ]


def test_the_end_of_input_in_the_terminal_saves_nothing(
    terminal: type[Terminal],  # noqa: F811
    db: Path,
) -> None:
    rated(db)
    t = terminal(["plan", "Ana"], db)
    t.expect("No report of this round was released yet: choose any behaviour.")
    t.expect("Behaviour 1: ")
    t.send("\r")
    t.expect("Choose at least one behaviour.")
    t.send("\x04")
    t.expect("The input ended: no plan saved.")
    assert t.wait() == 1
    assert stored(db) == []


def test_a_cohort_report_prints_the_plan_and_renders_again_when_it_changes(
    run: Run, db: Path, tmp_path: Path
) -> None:
    rated(db)
    with Store.open(db) as store, store.transaction() as c:
        c.execute("UPDATE leaders SET cohort = 'east'")
    out = tmp_path / "reports"
    assert run("cohort", "report", "east", "-o", str(out), "-j", "1", "-q").exit_code == 0
    assert "Your plan after this round" not in pdftotext(out / "ana.pdf")
    assert run("plan", "Ana", "--file", str(plan_file(tmp_path, GOOD))).exit_code == 0
    assert run("cohort", "report", "east", "-o", str(out), "-j", "1", "-q").exit_code == 0
    text = " ".join(pdftotext(out / "ana.pdf").split())
    assert "Your plan after this round" in text and "Decide in the meeting, not after it <b>now</b>" in text


def test_a_self_only_report_with_two_rounds_of_plans_keeps_to_six_pages() -> None:
    from leadcheck.base.responses import Response
    from leadcheck.development import report_section
    from leadcheck.instrument.catalog import load_instrument
    from leadcheck.report.formats import render_task
    from leadcheck.report.render import report_task
    from leadcheck.scoring import score
    from leadcheck.store.plans import Focus, Plan

    psl = load_instrument("psl-360")
    answers = {item: (k % 5) + 1 for k, item in enumerate(psl.items)}
    card = score(psl, [Response("self", answers, {q.id: "A note of my own." for q in psl.questions})], "Solo")
    focus = tuple(
        Focus(i, "Ask two peers for feedback after each review", "my manager", LATER) for i in psl.items
    )
    plan = Plan(1, 1, "2026-01-01", focus[:3])
    plans = (report_section(plan, psl, 1, this_round=False), report_section(plan, psl, 2, this_round=True))
    pdf = render_task(report_task("solo.pdf", card, generated=date(2026, 1, 15), plans=plans)).data
    assert len(PdfReader(io.BytesIO(pdf)).pages) <= 6
    text = " ".join(pdftotext(pdf).split())
    assert "Your plan after round 1" in text and "Your plan after this round" in text
    assert "Worksheet" not in text  # the round has its plan: no worksheet to make one


@given(st.data())
def test_every_item_is_found_by_its_number_and_its_id_in_any_case(data: st.DataObject) -> None:
    from leadcheck.development import find_item, item_numbers
    from leadcheck.instrument.catalog import load_instrument

    psl = load_instrument("psl-360")
    item_id = data.draw(st.sampled_from(list(psl.items)))
    spelled = "".join(data.draw(st.sampled_from([c.lower(), c.upper()])) for c in item_id)
    assert find_item(psl, f" {spelled} ") == item_id
    assert find_item(psl, str(item_numbers(psl)[item_id])) == item_id


@given(st.integers(min_value=-3650, max_value=3650))
def test_a_date_is_taken_exactly_when_it_is_after_today(days: int) -> None:
    from leadcheck.base.errors import PlanError
    from leadcheck.development import due_date

    today = date(2026, 12, 8)
    day = today + timedelta(days=days)
    if days > 0:
        assert due_date(day.isoformat(), today) == day.isoformat() == due_date(day, today)
    else:
        with pytest.raises(PlanError, match="is not after today"):
            due_date(day.isoformat(), today)
