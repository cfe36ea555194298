"""Importance end to end: asked in `assess` and `rate`, on the YAML and PDF forms, read from survey CSVs
and exports, refused for a group it is not asked of, and then ordering the report's priorities."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pymupdf
import pytest

from leadcheck.instrument.catalog import load_instrument
from leadcheck.store import Store

from .conftest import MINI_360, Run
from .pdfua_rules import strict_failures, structure_problems
from .test_campaign import CHOICES, SENDER, _invoke

Cli = Callable[..., Run]

IMPORTANCE = """importance:
  self: How important is this for success in your role?
  others: How important is this for success in this leader's role?
"""
MINI_IMPORTANCE = MINI_360.read_text(encoding="utf-8") + IMPORTANCE


@pytest.fixture
def inst(tmp_path: Path) -> Path:
    path = tmp_path / "mini.yaml"
    path.write_text(MINI_IMPORTANCE, encoding="utf-8")
    return path


def answers_in(db: Path) -> dict[str, dict[str, int | None]]:
    """Each stored response's answers by group, read with plain sqlite3."""
    out: dict[str, dict[str, int | None]] = {}
    with sqlite3.connect(db) as conn:
        for group, item, value in conn.execute(
            "SELECT r.rater_group, a.item_id, a.value FROM answers a JOIN responses r ON r.id = a.response_id"
        ):
            out.setdefault(group, {})[item] = value
    return out


def keys(*lines: str) -> str:
    return "".join(f"{line}\n" for line in lines)


# -- the terminal ----------------------------------------------------------------------------------


def test_assess_asks_the_leader_how_important_each_competency_is(
    cli: Cli, tmp_path: Path, inst: Path
) -> None:
    done = cli(
        "assess", "--instrument", inst, "--leader", "Ana", input=keys("4", "2", "5", "3", "5", "1", "n", "")
    )
    assert done.exit_code == 0, done.stderr
    out = done.stdout
    assert "4 items and 3 importance ratings. Press one key for each" in out
    assert "Now, for each competency: how important is it for success in the role?" in out
    assert "5/7" in out and "Importance · Listening" in out
    assert "How important is this for success in your role?" in out
    assert "1 least important  2  3  4  5 most important  n I can't judge this" in out
    assert "5 of 5" in out and "All 4 items and 3 importance ratings done." in out
    assert answers_in(tmp_path / "workspace.db")["self"] == {
        "l-1": 4,
        "l-2": 2,
        "d-1": 5,
        "f-1": 3,
        "importance:listen": 5,
        "importance:decide": 1,
        "importance:fair": None,
    }


def test_rate_asks_the_manager_and_never_a_protected_group(cli: Cli, tmp_path: Path, inst: Path) -> None:
    done = cli(
        "rate",
        "Ana",
        "--as",
        "manager",
        "--instrument",
        inst,
        input=keys("3", "3", "3", "3", "2", "4", "5", ""),
    )
    assert done.exit_code == 0, done.stderr
    assert "How important is this for success in this leader's role?" in done.stdout
    done = cli("rate", "Ana", "--as", "peer", input=keys("3", "3", "3", "3", "", ""))
    assert done.exit_code == 0, done.stderr
    assert "mportance" not in done.stdout and "4 items. Press" in done.stdout
    stored = answers_in(tmp_path / "workspace.db")
    assert {k: v for k, v in stored["manager"].items() if k.startswith("importance:")} == {
        "importance:listen": 2,
        "importance:decide": 4,
        "importance:fair": 5,
    }
    assert not any(k.startswith("importance:") for k in stored["peer"])


def test_an_instrument_without_the_question_asks_no_importance(cli: Cli) -> None:
    done = cli("assess", "--instrument", MINI_360, "--leader", "Ana", input=keys("4", "2", "5", "3", ""))
    assert done.exit_code == 0, done.stderr
    assert "mportance" not in done.stdout


# -- the YAML response form ------------------------------------------------------------------------


def test_the_managers_form_asks_importance_and_is_imported(cli: Cli, tmp_path: Path, inst: Path) -> None:
    done = cli("form", "Ana", "--as", "manager", "--instrument", inst, "-o", "m.yaml")
    assert done.exit_code == 0, done.stderr
    form = (tmp_path / "m.yaml").read_text(encoding="utf-8")
    assert "  # == Importance ==" in form
    assert "How important is this for success in this leader's role? Answer 1 (least important)" in form
    assert "  importance:listen:\n" in form and "  importance:fair:\n" in form
    filled = form.replace("  l-1:\n", "  l-1: 4\n").replace(
        "  importance:decide:\n", "  importance:decide: 5\n"
    )
    (tmp_path / "m.yaml").write_text(filled.replace("  importance:fair:\n", "  importance:fair: often\n"))
    done = cli("import", "m.yaml", "--instrument", inst)
    assert done.exit_code == 0, done.stderr
    assert answers_in(tmp_path / "workspace.db")["manager"] == {
        "l-1": 4,
        "importance:decide": 5,
        "importance:fair": 4,
    }
    done = cli("form", "Ana", "--as", "peer", "-o", "p.yaml")
    assert "importance" not in (tmp_path / "p.yaml").read_text(encoding="utf-8")


def test_importance_from_a_group_not_asked_or_off_the_scale_is_refused_with_its_place(
    cli: Cli, tmp_path: Path, inst: Path
) -> None:
    cli("form", "Ana", "--as", "peer", "--instrument", inst, "-o", "p.yaml")
    form = (tmp_path / "p.yaml").read_text(encoding="utf-8")
    line = form.splitlines().index("  l-1:") + 1
    (tmp_path / "p.yaml").write_text(form.replace("  l-1:\n", "  l-1: 4\n  importance:listen: 5\n"))
    cli("form", "Ana", "--as", "manager", "--instrument", inst, "-o", "m.yaml")
    form = (tmp_path / "m.yaml").read_text(encoding="utf-8")
    at = form.splitlines().index("  importance:decide:") + 1
    (tmp_path / "m.yaml").write_text(form.replace("  importance:decide:\n", "  importance:decide: 7\n"))
    done = cli("import", "p.yaml", "m.yaml", "--instrument", inst)
    assert done.exit_code == 1
    assert done.stderr == (
        f'm.yaml:{at}:22: answer to "importance:decide": a number outside the scale 1-5\n'
        f'p.yaml:{line + 1}:3: "importance:listen": mini 1.0.0 asks importance only of self, manager, not of '
        "peer; leave the answer out\n"
        "2 problems found. Nothing was written.\n"
    )
    assert not (tmp_path / "workspace.db").exists() or answers_in(tmp_path / "workspace.db") == {}


# -- survey CSVs and exports -----------------------------------------------------------------------


def test_csv_columns_of_importance_are_read_and_checked_per_row(cli: Cli, tmp_path: Path, inst: Path) -> None:
    rows = (
        "leader,group,l-1,l-2,d-1,f-1,importance:listen,Importance: Deciding\n"
        "Ana,self,4,2,5,3,5,1\n"
        "Ana,manager,3,3,3,3,2,4\n"
        "Ana,peer,3,3,3,3,,\n"
    )
    (tmp_path / "r.csv").write_text(rows)
    done = cli("import", "r.csv", "--instrument", inst)
    assert done.exit_code == 0, done.stderr
    stored = answers_in(tmp_path / "workspace.db")
    assert stored["self"]["importance:listen"] == 5 and stored["self"]["importance:decide"] == 1
    assert stored["manager"]["importance:decide"] == 4 and "importance:listen" not in stored["peer"]

    (tmp_path / "bad.csv").write_text(
        rows.replace("Ana,peer,3,3,3,3,,", "Ana,peer,3,3,3,3,4,") + "Bo,self,1,1,1,1,0,2\n"
    )
    done = cli("import", "bad.csv", "--instrument", inst, "--format", "json")
    assert done.exit_code == 1
    problems = json.loads(done.stdout)["problems"]
    assert [(p["line"], p["csv_column"], p["code"], p["message"]) for p in problems] == [
        (
            4,
            "importance:listen",
            "importance-not-asked",
            '"importance:listen": mini 1.0.0 asks importance only of self, manager, not of peer; leave the answer out',
        ),
        (5, "importance:listen", "invalid-answer", "a number outside the scale 1-5"),
    ]


def test_a_google_forms_grid_of_importance_is_matched_by_question_and_competency(
    cli: Cli, tmp_path: Path, inst: Path
) -> None:
    question = "How important is this for success in this leader's role?"
    (tmp_path / "g.csv").write_text(
        f'leader,group,l-1,l-2,d-1,f-1,"{question} [Listening]","{question} [Fairness]"\nAna,manager,4,4,4,4,5,2\n'
    )
    done = cli("import", "g.csv", "--instrument", inst)
    assert done.exit_code == 0, done.stderr
    assert answers_in(tmp_path / "workspace.db")["manager"] == {
        "l-1": 4,
        "l-2": 4,
        "d-1": 4,
        "f-1": 4,
        "importance:listen": 5,
        "importance:fair": 2,
    }


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_importance_survives_the_export_round_trip(cli: Cli, tmp_path: Path, inst: Path, fmt: str) -> None:
    (tmp_path / "r.csv").write_text(
        "leader,group,l-1,l-2,d-1,f-1,importance:listen,importance:decide\nAna,self,4,2,5,3,5,1\nAna,manager,3,3,3,3,2,4\n"
    )
    assert cli("import", "r.csv", "--instrument", inst).exit_code == 0
    before = answers_in(tmp_path / "workspace.db")
    done = cli("export", "-o", f"all.{fmt}")
    assert done.exit_code == 0, done.stderr
    done = cli("--db", "copy.db", "import", f"all.{fmt}")
    assert done.exit_code == 0, done.stderr
    assert answers_in(tmp_path / "copy.db") == before


def test_an_export_record_with_importance_from_a_peer_is_refused(
    cli: Cli, tmp_path: Path, inst: Path
) -> None:
    (tmp_path / "r.csv").write_text("leader,group,l-1,l-2,d-1,f-1\nAna,peer,4,2,5,3\n")
    assert cli("import", "r.csv", "--instrument", inst).exit_code == 0
    assert cli("export", "-o", "all.json").exit_code == 0
    doc = json.loads((tmp_path / "all.json").read_text(encoding="utf-8"))
    doc["responses"][0]["answers"]["importance:listen"] = 5
    (tmp_path / "all.json").write_text(json.dumps(doc))
    done = cli("--db", "copy.db", "import", "all.json")
    assert done.exit_code == 1
    assert done.stderr == (
        'all.json: response 1 ("importance:listen"): "importance:listen": mini 1.0.0 asks importance only of '
        "self, manager, not of peer; leave the answer out\n1 problem found. Nothing was written.\n"
    )
    assert not (tmp_path / "copy.db").exists()


# -- the PDF questionnaire -------------------------------------------------------------------------


def test_the_pdf_questionnaire_asks_the_manager_and_the_answers_come_back(tmp_path: Path, inst: Path) -> None:
    (tmp_path / "roster.csv").write_text(
        "Leader,Name,Email,Group\nAna Ruiz,Max Boss,max@example.org,Manager\n"
        "Ana Ruiz,Jo Peer,jo@example.org,peer\nAna Ruiz,Kim Peer,kim@example.org,peer\n"
    )
    db = tmp_path / "workspace.db"
    done = _invoke(
        db, "raters", "import", tmp_path / "roster.csv", "--instrument", inst, "--cohort", "spring"
    )
    assert done.exit_code == 0, done.stderr
    done = _invoke(db, "invite", "--cohort", "spring", "-o", tmp_path / "out", "--from", SENDER)
    assert done.exit_code == 0, done.stderr
    manager, peer = tmp_path / "out" / "ana-ruiz-manager-1.pdf", tmp_path / "out" / "ana-ruiz-peer-2.pdf"
    assert "Importance for the role" in "".join(p.get_text() for p in pymupdf.open(manager))
    assert "Importance for the role" not in "".join(p.get_text() for p in pymupdf.open(peer))
    assert strict_failures(manager) == ([], 104) and structure_problems(manager) == []

    doc = pymupdf.open(manager)
    wanted = {"item:l-1": "4", "importance:listen": "5", "importance:decide": "2"}
    names = set()
    for page in doc:
        for widget in page.widgets():
            names.add(widget.field_name)
            value = wanted.get(widget.field_name)
            if value is not None and widget.on_state() == str(CHOICES.index(value)):
                widget.field_value = widget.on_state()
                widget.update()
    assert {"importance:listen", "importance:decide", "importance:fair"} <= names
    doc.save(tmp_path / "back.pdf")
    doc.close()
    done = _invoke(db, "import", tmp_path / "back.pdf")
    assert done.exit_code == 0, done.stderr
    assert answers_in(db)["manager"] == {"l-1": 4, "importance:listen": 5, "importance:decide": 2}


# -- what the report does with it ------------------------------------------------------------------


def _psl_rows(importance: dict[str, int] | None) -> str:
    """A leader rated 4 everywhere but 2 on the first and last competency (by self and 4 others)."""
    psl = load_instrument("psl-360")
    dims = [d.id for d in psl.competencies]
    low = {dims[0], dims[-1]}
    items = list(psl.items)
    extra = [f"importance:{d}" for d in (importance or {})]
    head = "leader,group," + ",".join(items + extra)
    lines = [head]
    for group in ("self", "manager", "peer", "peer", "peer"):
        cells = ["2" if psl.item_dimension[i] in low else "4" for i in items]
        # reverse-scored items: the same level, the other way round
        cells = [str(6 - int(c)) if psl.items[i].reverse else c for c, i in zip(cells, items, strict=True)]
        cells += [str(v) if group in ("self", "manager") else "" for v in (importance or {}).values()]
        lines.append(f"Lee,{group}," + ",".join(cells))
    return "\n".join(lines) + "\n"


def test_importance_visibly_orders_the_development_priorities(cli: Cli, tmp_path: Path) -> None:
    psl = load_instrument("psl-360")
    first, last = psl.competencies[0], psl.competencies[-1]
    for name, importance in (("plain", None), ("weighted", {first.id: 1, last.id: 5})):
        (tmp_path / f"{name}.csv").write_text(_psl_rows(importance))
        done = cli("--db", f"{name}.db", "import", f"{name}.csv", "--instrument", "psl-360")
        assert done.exit_code == 0, done.stderr
        done = cli("--db", f"{name}.db", "report", "Lee", "--format", "html", "-o", f"{name}.html")
        assert done.exit_code == 0, done.stderr
    plain = (tmp_path / "plain.html").read_text(encoding="utf-8")
    weighted = (tmp_path / "weighted.html").read_text(encoding="utf-8")
    assert "rated most important for the role first" not in plain
    assert (
        "<strong>Development priorities</strong> (those rated most important for the role first)" in weighted
    )
    summary = weighted[weighted.index("<strong>Development priorities</strong>") :]
    assert summary.index(last.name) < summary.index(first.name)
    summary = plain[plain.index("<strong>Development priorities</strong>") :]
    assert summary.index(first.name) < summary.index(last.name)
    # The importance figures themselves are never printed: the note is the only trace of them.
    assert weighted.count("mportan") == plain.count("mportan") + 1


def test_importance_answers_are_stored_as_given_and_the_leader_store_reads_them(
    cli: Cli, tmp_path: Path, inst: Path
) -> None:
    (tmp_path / "r.csv").write_text("leader,group,l-1,importance:fair\nAna,self,4,3\n")
    done = cli("import", "r.csv", "--instrument", inst, "--allow-missing-items")
    assert done.exit_code == 0, done.stderr
    with Store.open(tmp_path / "workspace.db", create=False) as store:
        leader = store.leaders.get("Ana")
        [response] = store.responses.of_assessment(store.assessments.current(leader))
    assert dict(response.answers) == {"l-1": 4, "importance:fair": 3}


def test_the_session_asks_importance_after_the_items_with_the_same_keys(inst: Path) -> None:
    from leadcheck.collect import Kind, Session, answer_label, scale_choices
    from leadcheck.instrument.catalog import instrument_from_text

    instrument = instrument_from_text(inst.read_text(encoding="utf-8"), str(inst))
    session = Session(instrument, "manager", {"l-1": 4})
    assert session.extent() == "4 items and 3 importance ratings"
    assert [p.id for p in session.items][4:] == ["importance:listen", "importance:decide", "importance:fair"]
    for key in ("3", "3", "3"):
        session.answer(key)
    prompt = session.current()
    assert prompt is not None and prompt.importance and prompt.dimension.name == "Listening"
    assert prompt.text == "How important is this for success in this leader's role?"
    assert session.answer("s").kind is Kind.SKIPPED  # skipped like an item: asked again next time
    assert session.answer("b").kind is Kind.BACK
    assert session.answer("5").item_id == "importance:listen"
    assert session.answer("n").value is None  # "not observed" counts as missing, as for an item
    assert session.answer("7").kind is Kind.INVALID
    assert scale_choices(instrument.scale, "manager", importance=True) == (
        "1 least important  2  3  4  5 most important  n Not observed"
    )
    assert answer_label(instrument.scale, 4, "manager", importance=True) == "4 of 5"
    assert Session(instrument, "peer").extent() == "4 items"


def test_a_filled_importance_line_is_no_slip_and_a_slip_in_one_is_explained() -> None:
    from leadcheck.importing.formhelp import find_slip
    from leadcheck.importing.responsefile import write_form

    psl = load_instrument("psl-360")
    blank = write_form(psl, "Ana", "manager")
    filled = blank
    for key in psl.importance_items:
        filled = filled.replace(f"  {key}:\n", f"  {key}: 4\n")
    assert find_slip(blank) is None and find_slip(filled) is None
    slip = find_slip(
        filled.replace("  importance:leading-change: 4\n", "  importance:leading-change: 4: often\n")
    )
    assert slip is not None
    assert slip.message.startswith('the answer to "importance:leading-change" holds a second colon')
