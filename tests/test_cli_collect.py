"""`leadcheck assess` and `leadcheck rate` driven through typer's CliRunner (stdin is not a terminal: one key per line)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import Result

from leadcheck.cli.collect import Keyboard, split_keys
from leadcheck.store import SELF_IDENTITY, Store

from .conftest import MINI_360
from .conftest import Run as CliRun

MINI = MINI_360.read_text(encoding="utf-8")

Run = Callable[..., Result]


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    path = tmp_path / "mini.yaml"
    path.write_text(MINI, encoding="utf-8")
    return path


def self_response(db: Path, leader: str = "Ana") -> tuple[dict[str, int | None], dict[str, str], str]:
    with Store.open(db, create=False) as store:
        assessment = store.assessments.current(store.leaders.get(leader))
        resp = store.responses.by_id(store.responses.open(assessment, "self", SELF_IDENTITY))
        return dict(resp.answers), dict(resp.comments), resp.submitted_at


def keys(*lines: str) -> str:
    return "".join(f"{line}\n" for line in lines)


# -- assess ----------------------------------------------------------------------------------


def test_a_complete_self_assessment_saves_everything_and_shows_a_summary(
    run: Run, db: Path, mini: Path
) -> None:
    result = run(
        "assess", "--instrument", str(mini), "--leader", "Ana", input=keys("4", "2", "5", "n", "Listening")
    )
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    answers, comments, submitted = self_response(db)
    assert answers == {"l-1": 4, "l-2": 2, "d-1": 5, "f-1": None}
    assert comments == {"keep": "Listening"}
    assert submitted
    out = result.stdout
    assert "Mini 360 (mini 1.0.0): self-assessment of Ana" in out
    assert "1/4 ━━━━━━━━" in out and "Listening" in out
    assert "1 Never  2 Rarely  3 Sometimes  4 Often  5 Always  n I can't judge this" in out
    assert "> 4 Often" in out and "> I can't judge this" in out
    assert "Unused." not in out  # the peer-only question is not asked of the leader
    assert "1/1 What should I keep doing?\n> Listening" in out
    # l-2 is reverse-scored: 2 counts as 4, so Listening's mean is 4.00.
    summary = out[out.index("Your self-assessment") :]
    assert "Listening *" in summary and "4.00" in summary and "2/2" in summary
    assert (
        "* includes 1 reverse-scored item (a high answer is a bad sign), counted the other way round: "
        in (" ".join(summary.split()))
    )
    assert "Deciding *" not in summary
    assert "Deciding" in summary and "5.00" in summary
    assert "Fairness (value)" in summary and "0/1" in summary
    assert '0 items skipped, 1 answered "I can\'t judge this": they count as missing, not as a score.' in out
    steps = out[out.index("Next steps") :]
    assert f"leadcheck --db {db} rate Ana --as peer" in steps
    assert f"leadcheck --db {db} form Ana --as peer -o ana-peer.yaml" in steps
    assert f"leadcheck --db {db} report Ana -o ana.pdf" in steps


def test_the_leader_is_asked_for_when_not_given(run: Run, db: Path, mini: Path) -> None:
    result = run("assess", "-i", str(mini), input=keys("Ana", "q"))
    assert result.exit_code == 0
    assert "Your name: Ana" in result.stdout
    with Store.open(db) as store:
        assert [p.name for p in store.leaders.every()] == ["Ana"]


def test_an_empty_name_is_refused(run: Run, mini: Path) -> None:
    result = run("assess", "-i", str(mini), input=keys(""))
    assert result.exit_code == 2
    assert result.stderr == "error: a leader needs a name: leadcheck assess LEADER\n"


def test_quit_then_resume_continues_at_the_right_item(run: Run, db: Path, mini: Path) -> None:
    first = run("assess", "-i", str(mini), "--leader", "Ana", input=keys("4", "q"))
    assert first.exit_code == 0
    assert first.stdout.endswith("> quit\nSaved 1 answer. Run the same command again to resume.\n")
    assert self_response(db)[0] == {"l-1": 4}
    assert self_response(db)[2] == ""  # not submitted

    second = run("assess", "--leader", "Ana", input=keys("q"))  # the current assessment, found without -i
    assert second.exit_code == 0
    assert "Resuming: 1 of 4 answered." in second.stdout
    assert "2/4" in second.stdout and "I interrupt." in second.stdout
    assert "I listen." not in second.stdout


def test_back_changes_a_previous_answer(run: Run, db: Path, mini: Path) -> None:
    result = run("assess", "-i", str(mini), "--leader", "Ana", input=keys("4", "b", "2", "q"))
    assert result.exit_code == 0
    assert "> back" in result.stdout
    assert "Current answer: 4 Often" in result.stdout
    assert self_response(db)[0] == {"l-1": 2}


def test_invalid_keys_give_a_hint_and_ask_again(run: Run, db: Path, mini: Path) -> None:
    result = run("assess", "-i", str(mini), "--leader", "Ana", input=keys("7", "x", "", "?", "3", "q"))
    assert result.exit_code == 0
    out = result.stdout
    assert "> '7' is not an answer here: press 1-5, n, b, s, q, or ? for help\n" in out
    assert "> 'x' is not an answer here: " in out
    assert "  s  skip: move on and leave this item as it is" in out
    assert self_response(db)[0] == {"l-1": 3}


def test_eof_midway_keeps_the_answers_given(run: Run, db: Path, mini: Path) -> None:
    result = run("assess", "-i", str(mini), "--leader", "Ana", input=keys("4", "5"))
    assert result.exit_code == 1
    assert result.stderr == "\nThe input ended. Saved 2 answers. Run the same command again to resume.\n"
    answers, _, submitted = self_response(db)
    assert answers == {"l-1": 4, "l-2": 5}
    assert submitted == ""


def test_eof_in_the_open_questions_does_not_submit(run: Run, db: Path, mini: Path) -> None:
    result = run("assess", "-i", str(mini), "--leader", "Ana", input=keys("4", "5", "3", "2"))
    assert result.exit_code == 1
    assert "Saved 4 answers." in result.stderr
    assert self_response(db)[2] == ""


def test_q_alone_at_an_open_question_saves_and_quits(run: Run, db: Path, mini: Path) -> None:
    result = run("assess", "-i", str(mini), "--leader", "Ana", input=keys("4", "5", "3", "2", " q "))
    assert result.exit_code == 0, result.stderr
    assert "q alone saves and quits." in result.stdout
    assert "Saved 4 answers. Run the same command again to resume." in result.stdout
    _, comments, submitted = self_response(db)
    assert comments == {}  # never the answer "q"
    assert submitted == ""
    # Resumed, the questions come straight back; an answer that only starts with q is an answer.
    result = run("assess", "--leader", "Ana", input=keys("quiet focus"))
    assert result.exit_code == 0, result.stderr
    _, comments, submitted = self_response(db)
    assert comments == {"keep": "quiet focus"}
    assert submitted


@pytest.mark.usefixtures("assessed")
def test_q_alone_at_a_raters_open_question_saves_and_quits(run: Run, db: Path) -> None:
    result = run("rate", "Ana", "--as", "peer", input=keys("5", "4", "3", "2", "Calm", "q"))
    assert result.exit_code == 0, result.stderr
    assert "Thank you" not in result.stdout
    assert peer_responses(db) == [("peer", {"l-1": 5, "l-2": 4, "d-1": 3, "f-1": 2}, {"keep": "Calm"}, False)]


def test_ctrl_c_exits_130_with_everything_saved(
    run: Run, db: Path, mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pressed = iter(["4", "5"])

    def key(self: Keyboard) -> str:
        for k in pressed:
            return k
        raise KeyboardInterrupt

    monkeypatch.setattr(Keyboard, "key", key)
    result = run("assess", "-i", str(mini), "--leader", "Ana")
    assert result.exit_code == 130
    assert result.stderr == "\nInterrupted. Saved 2 answers. Run the same command again to resume.\n"
    assert self_response(db)[0] == {"l-1": 4, "l-2": 5}


def test_skipped_items_are_asked_again_next_time_and_comments_are_kept(
    run: Run, db: Path, mini: Path
) -> None:
    first = run("assess", "-i", str(mini), "--leader", "Ana", input=keys("4", "s", "3", "2", "Patience"))
    assert first.exit_code == 0
    assert "All 4 items done (1 left unanswered; run the command again to answer them)." in first.stdout
    assert '1 item skipped, 0 answered "I can\'t judge this"' in first.stdout
    second = run("assess", "--leader", "Ana", input=keys("5", ""))
    assert second.exit_code == 0
    assert "Resuming: 3 of 4 answered." in second.stdout
    assert "2/4" in second.stdout
    assert "Current answer (Enter keeps it, - clears it): Patience" in second.stdout
    answers, comments, _ = self_response(db)
    assert answers == {"l-1": 4, "l-2": 5, "d-1": 3, "f-1": 2}
    assert comments == {"keep": "Patience"}


def test_b_goes_back_through_the_questions_and_into_the_items(run: Run, db: Path, mini: Path) -> None:
    # 4 items, then at the only question: b goes back to the last item, which is changed; then the question.
    result = run(
        "assess", "-i", str(mini), "--leader", "Ana", input=keys("4", "2", "5", "n", "b", "3", "Listening")
    )
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "> b\nback to the last item" in out
    assert out.count("4/4 ") == 2 and "Current answer: I can't judge this" in out
    answers, comments, submitted = self_response(db)
    assert answers == {"l-1": 4, "l-2": 2, "d-1": 5, "f-1": 3}
    assert comments == {"keep": "Listening"}  # never "b"
    assert submitted


def test_b_at_a_raters_second_question_goes_to_the_first(run: Run, db: Path, mini: Path) -> None:
    assert run("assess", "-i", str(mini), "--leader", "Ana", input=keys("q")).exit_code == 0
    result = run("rate", "Ana", "--as", "peer", input=keys("5", "4", "3", "2", "Calm", "b", "Calmer", ""))
    assert result.exit_code == 0, result.stderr
    assert "Current answer (Enter keeps it, - clears it): Calm\n> Calmer" in result.stdout
    assert peer_responses(db)[0][2] == {"keep": "Calmer"}


def test_a_dash_clears_an_open_answer(run: Run, db: Path, mini: Path) -> None:
    run("assess", "-i", str(mini), "--leader", "Ana", input=keys("4", "2", "5", "n", "Listening"))
    assert self_response(db)[1] == {"keep": "Listening"}
    again = run("assess", "--leader", "Ana", input=keys("", "", "", "", "-"))
    assert again.exit_code == 0, again.stderr
    assert "> -\ncleared" in again.stdout
    assert self_response(db)[1] == {}


def test_a_finished_assessment_is_reviewed_item_by_item(run: Run, db: Path, mini: Path) -> None:
    run("assess", "-i", str(mini), "--leader", "Ana", input=keys("4", "2", "5", "n", "Listening"))
    again = run("assess", "--leader", "Ana", input=keys("", "3", "b", "", "", "", ""))
    assert again.exit_code == 0, again.stderr
    out = again.stdout
    assert "This is finished: all 4 items answered, submitted " in out
    assert "press a key to change an answer, Enter to keep it, b to go back, q to stop" in out
    assert f"To start a new round instead:\n  leadcheck --db {db} assess Ana --new\n" in out
    assert "1/4 " in out and "Current answer (Enter keeps it): 4 Often\n> kept: 4 Often" in out
    assert "Current answer (Enter keeps it): 2 Rarely\n> 3 Sometimes" in out
    assert "Next steps" in out
    answers, comments, submitted = self_response(db)
    assert answers == {"l-1": 4, "l-2": 3, "d-1": 5, "f-1": None}
    assert comments == {"keep": "Listening"}
    assert submitted


def test_q_during_a_review_keeps_every_answer(run: Run, db: Path, mini: Path) -> None:
    run("assess", "-i", str(mini), "--leader", "Ana", input=keys("4", "2", "5", "n", "Listening"))
    again = run("assess", "--leader", "Ana", input=keys("q"))
    assert again.exit_code == 0
    assert self_response(db)[0] == {"l-1": 4, "l-2": 2, "d-1": 5, "f-1": None}


def test_a_rater_reviews_a_finished_rating_with_the_token(run: Run, db: Path, mini: Path) -> None:
    run("assess", "-i", str(mini), "--leader", "Ana", input=keys("q"))
    first = run("rate", "Ana", "--as", "peer", "--rater", "tok-1", input=keys("5", "4", "3", "2", "Calm", ""))
    assert first.exit_code == 0, first.stderr
    assert (
        f"To review or change them later:\n  leadcheck --db {db} rate Ana --as peer --rater tok-1\n"
        in first.stdout
    )
    again = run("rate", "Ana", "--as", "peer", "--rater", "tok-1", input=keys("", "", "1", "", "", ""))
    assert again.exit_code == 0, again.stderr
    assert "This is finished: all 4 items answered" in again.stdout
    assert "Current answer (Enter keeps it): 5 Always" in again.stdout  # raters see their own answers
    assert peer_responses(db)[0][1] == {"l-1": 5, "l-2": 4, "d-1": 1, "f-1": 2}


def test_new_starts_a_fresh_assessment(run: Run, db: Path, mini: Path) -> None:
    run("assess", "-i", str(mini), "--leader", "Ana", input=keys("4", "q"))
    result = run("assess", "-i", str(mini), "--leader", "Ana", "--new", input=keys("q"))
    assert result.exit_code == 0
    assert "Resuming" not in result.stdout
    assert self_response(db)[0] == {}
    with Store.open(db) as store:
        assert len(store.assessments.of_leader(store.leaders.get("Ana"))) == 2


def test_an_unknown_instrument_is_one_clear_line(run: Run) -> None:
    result = run("assess", "-i", "nope", "--leader", "Ana")
    assert result.exit_code == 1
    assert result.stderr.startswith('error: no instrument "nope": give a path to a YAML file or one of')
    assert "Traceback" not in result.output


def test_the_default_instrument_is_psl_360(run: Run, db: Path) -> None:
    result = run("assess", "--leader", "Ana", input=keys("5", "q"))
    assert result.exit_code == 0
    # 48 behaviours, then how important each of its 6 competencies and values is for the role
    assert "(psl-360 " in result.stdout and " 1/54 " in result.stdout
    assert "48 items and 6 importance ratings. Press one key" in result.stdout
    assert self_response(db)[0] == {"sa-1": 5}


def test_help_documents_keys_and_exit_codes(run: Run) -> None:
    for command in ("assess", "rate"):
        result = run(command, "--help")
        assert result.exit_code == 0
        text = " ".join(result.stdout.split())  # help is wrapped to the terminal's width
        assert "1 when the input ends before the end (Ctrl-D, or the end of piped input)" in text
        assert "130 on Ctrl-C" in text
        assert "2 for a bad option value" in text
    assess = " ".join(run("assess", "--help").stdout.split())
    assert 'n "I can\'t judge this", b back, s skip, q save and quit' in assess
    assert "- alone clears it, b alone goes back, q alone saves and quits" in assess
    assert "reviews a finished assessment item by item" in assess
    assert "--as" not in assess  # assess has no --as; its exit codes do not mention one
    assert "(such as an --as group the instrument does not have)" in " ".join(
        run("rate", "--help").stdout.split()
    )


# -- rate --------------------------------------------------------------------------------------


@pytest.fixture
def assessed(run: Run, mini: Path) -> None:
    """Ana has an assessment on the mini instrument (her self-assessment only started)."""
    assert run("assess", "-i", str(mini), "--leader", "Ana", input=keys("q")).exit_code == 0


def peer_responses(db: Path) -> list[tuple[str, dict[str, int | None], dict[str, str], bool]]:
    with Store.open(db, create=False) as store:
        assessment = store.assessments.current(store.leaders.get("Ana"))
        return [
            (r.group, dict(r.answers), dict(r.comments), bool(r.submitted_at))
            for r in store.responses.of_assessment(assessment)
            if r.group != "self"
        ]


@pytest.mark.usefixtures("assessed")
def test_a_rater_answers_in_the_others_phrasing_and_sees_no_scores(run: Run, db: Path) -> None:
    result = run("rate", "Ana", "--as", "peer", input=keys("5", "4", "3", "2", "Calm", "Clear goals"))
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "Mini 360: rating Ana as Peers" in out
    promise = " ".join(out.split())  # rich wraps long lines
    assert (
        "Your ratings are never shown on their own: an item shows the Peers group only once at least 2"
        in promise
    )
    assert "Your comments are shown without your name, mixed with others'" in promise
    assert "To resume later:\n  leadcheck --db " in out and " rate Ana --as peer --rater " in out
    assert "They listen." in out and "I listen." not in out
    assert "What should they keep doing?" in out and "What do peers see?" in out
    assert "mean" not in out and "Your self-assessment" not in out
    assert "Thank you — 4 answers saved.\nTo review or change them later:\n  leadcheck --db " in out
    token = out.split(" --rater ")[1].split()[0]
    assert out.endswith(f" rate Ana --as peer --rater {token}\n")  # the same token as at the start
    assert peer_responses(db) == [
        ("peer", {"l-1": 5, "l-2": 4, "d-1": 3, "f-1": 2}, {"keep": "Calm", "peer-only": "Clear goals"}, True)
    ]


@pytest.mark.usefixtures("assessed")
def test_a_rater_resumes_with_the_printed_token(run: Run, db: Path) -> None:
    first = run("rate", "Ana", "--as", "manager", input=keys("5", "q"))
    assert first.exit_code == 0
    lines = first.stdout.splitlines()
    resume = lines[lines.index("To resume later:") + 1]
    assert resume.startswith("  leadcheck --db ")
    token = resume.split("--rater ")[1]
    assert first.stdout.endswith(f"Saved 1 answer. To resume:\n{resume}\n")
    second = run("rate", "Ana", "--as", "manager", "--rater", token, input=keys("4", "3", "2", ""))
    assert second.exit_code == 0
    assert "Resuming: 1 of 4 answered." in second.stdout
    assert "To resume later" not in second.stdout
    assert peer_responses(db) == [("manager", {"l-1": 5, "l-2": 4, "d-1": 3, "f-1": 2}, {}, True)]


@pytest.mark.usefixtures("assessed")
@pytest.mark.parametrize("named", ["peers", "Peer", "PEER"])
def test_rate_takes_a_group_by_its_label_as_other_commands_do(run: Run, db: Path, named: str) -> None:
    result = run("rate", "Ana", "--as", named, input=keys("5", "q"))
    assert result.exit_code == 0, result.stderr
    token = result.stdout.split(" --rater ")[1].split()[0]
    assert f" rate Ana --as peer --rater {token}\n" in result.stdout  # resumed with the group's id
    assert [group for group, *_ in peer_responses(db)] == ["peer"]


@pytest.mark.usefixtures("assessed")
def test_rate_uses_the_stored_snapshot_not_the_yaml_on_disk(run: Run, mini: Path) -> None:
    edited = MINI.replace("They listen.", "They listen well.")
    assert edited != MINI
    mini.write_text(edited, encoding="utf-8")
    result = run("rate", "Ana", "--as", "manager", input=keys("q"))
    assert "They listen.\n" in result.stdout


@pytest.mark.usefixtures("assessed")
@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["Ana", "--as", "staff"],
            2,
            'error: no rater group "staff" in mini; choose one of: manager, peer\n',
        ),
        (
            ["Ana", "--as", "self"],
            2,
            'error: "self" is not a group of raters: the leader answers it with '
            "`leadcheck assess Ana`; choose one of: manager, peer\n",
        ),
        (["Anna", "--as", "peer"], 1, 'error: no leader "Anna" in {db}; did you mean "Ana"?\n'),
        (
            ["Ana", "--as", "peer", "--rater", "Self "],
            2,
            'error: the --rater token "Self " is reserved for the leader\'s own assessment; choose another\n',
        ),
    ],
)
def test_rate_refuses_clearly(run: Run, db: Path, args: list[str], code: int, message: str) -> None:
    result = run("rate", *args)
    assert result.exit_code == code
    assert result.stderr == message.format(db=db)
    assert result.stdout == ""


@pytest.mark.usefixtures("assessed")
def test_a_token_cannot_switch_groups(run: Run) -> None:
    run("rate", "Ana", "--as", "manager", "--rater", "kim", input=keys("4", "q"))
    result = run("rate", "Ana", "--as", "peer", "--rater", "kim")
    assert result.exit_code == 2
    assert result.stderr == (
        'error: this --rater token already answered as "manager"; use --as manager to resume, or another token\n'
    )


def test_rate_without_a_workspace_or_assessment(run: Run, db: Path) -> None:
    result = run("rate", "Ana", "--as", "peer")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {db}: no workspace here;")
    with Store.open(db) as store:
        store.leaders.ensure("Ana")
    result = run("rate", "Ana", "--as", "peer")
    assert (result.exit_code, result.stderr) == (
        1,
        'error: leader "Ana" has no assessment yet; to start one, name the instrument with --instrument ID|PATH\n',
    )


# -- rate --instrument: leaders without a self-assessment ------------------------------------------

LMP = "labor-management-partnership"
LMP_ITEMS = 21


def leader_names(db: Path) -> list[str]:
    if not db.exists():
        return []
    with Store.open(db, create=False) as store:
        return [p.name for p in store.leaders.every()]


def test_a_forum_is_rated_by_both_sides_and_status_shows_both(
    cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    union = cli(
        "rate", "Forum A", "--as", "union", "--instrument", LMP, input=keys(*"4" * LMP_ITEMS, "Trust", "")
    )
    assert union.exit_code == 0, union.stderr
    assert union.stderr == ""
    assert "Labor-Management Partnership Health Check: rating Forum A as Union members" in union.stdout
    assert f"rate 'Forum A' --as union --instrument {LMP} --rater " in union.stdout
    assert f"Thank you — {LMP_ITEMS} answers saved.\nTo review or change them later:\n" in union.stdout
    management = cli("rate", "forum a", "--as", "management", "-i", LMP, input=keys("5", "q"))
    assert management.exit_code == 0, management.stderr

    status = cli("status", "Forum A")
    assert status.exit_code == 0, status.stderr
    assert f"Forum A: {LMP} 1.0.0, started " in status.stdout
    assert "Management members" in status.stdout and "Union members" in status.stdout
    groups = json.loads(cli("status", "Forum A", "--format", "json").stdout)["groups"]
    counts = {g: [v["raters"], v["submitted"], v["in_progress"]] for g, v in groups.items()}
    # Every response counts, however few items it answered (as in the report).
    assert counts == {"management": [1, 0, 1], "union": [1, 1, 0], "facilitator": [0, 0, 0]}
    as_json = json.loads(cli("status", "Forum A", "--json").stdout)
    assert "management 1/2" in as_json["missing"]
    with Store.open(tmp_path / "workspace.db", create=False) as store:
        assert [p.name for p in store.leaders.every()] == ["Forum A"]
        assert [a.instrument_id for a in store.assessments.of_leader(store.leaders.get("Forum A"))] == [LMP]


@pytest.mark.parametrize(
    ("group", "message"),
    [
        (
            "self",
            f'error: "self" is not a group of raters, and {LMP} has no self-assessment; '
            "choose one of: management, union, facilitator\n",
        ),
        ("staff", f'error: no rater group "staff" in {LMP}; choose one of: management, union, facilitator\n'),
    ],
)
def test_rate_checks_the_group_against_the_chosen_instrument_before_creating_anything(
    run: Run, db: Path, group: str, message: str
) -> None:
    result = run("rate", "Forum A", "--as", group, "--instrument", LMP)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", message)
    assert not db.exists()  # not even a workspace
    with Store.open(db) as store:
        store.leaders.ensure("Ana")
    result = run("rate", "Forum A", "--as", group, "--instrument", LMP)
    assert (result.exit_code, result.stderr) == (2, message)
    assert leader_names(db) == ["Ana"]


def test_rate_refuses_an_unknown_instrument_without_a_trace(run: Run, db: Path) -> None:
    result = run("rate", "Forum A", "--as", "union", "--instrument", "nope")
    assert result.exit_code == 1
    assert result.stderr.startswith('error: no instrument "nope": give a path to a YAML file or one of')
    assert not db.exists()


def test_a_failed_assess_leaves_no_leader_behind(run: Run, db: Path) -> None:
    unknown = run("assess", "-i", "nope", "--leader", "Forum A")
    assert unknown.exit_code == 1
    assert not db.exists()  # not even a workspace
    with Store.open(db) as store:
        store.leaders.ensure("Ana")
    unknown = run("assess", "-i", "nope", "--leader", "Forum A")
    assert unknown.exit_code == 1
    assert unknown.stderr.startswith('error: no instrument "nope": ')
    no_self = run("assess", "-i", LMP, "--leader", "Forum A")
    assert (no_self.exit_code, no_self.stdout, no_self.stderr) == (
        2,
        "",
        f'error: {LMP} has no "self" rater group: it is answered by others only (leadcheck rate)\n',
    )
    assert leader_names(db) == ["Ana"]


@pytest.mark.usefixtures("assessed")
def test_rate_with_the_instrument_of_an_existing_assessment_uses_its_snapshot(
    run: Run, db: Path, mini: Path
) -> None:
    mini.write_text(MINI.replace("They listen.", "They listen well."), encoding="utf-8")
    result = run("rate", "Ana", "--as", "manager", "--instrument", str(mini), input=keys("4", "q"))
    assert result.exit_code == 0, result.stderr
    assert "They listen.\n" in result.stdout
    assert peer_responses(db) == [("manager", {"l-1": 4}, {}, False)]
    # The printed command resumes by the stored id, without the file.
    resume = result.stdout.splitlines()[result.stdout.splitlines().index("To resume later:") + 1]
    assert " rate Ana --as manager --instrument mini --rater " in resume
    mini.unlink()
    token = resume.split("--rater ")[1]
    again = run("rate", "Ana", "--as", "manager", "-i", "mini", "--rater", token, input=keys("q"))
    assert again.exit_code == 0, again.stderr
    assert "Resuming: 1 of 4 answered." in again.stdout
    with Store.open(db) as store:
        assert len(store.assessments.of_leader(store.leaders.get("Ana"))) == 1


def test_rate_starts_an_assessment_on_another_instrument(run: Run, db: Path, mini: Path) -> None:
    run("assess", "--leader", "Ana", input=keys("q"))  # psl-360
    result = run("rate", "Ana", "--as", "peer", "-i", str(mini), input=keys("3", "q"))
    assert result.exit_code == 0, result.stderr
    assert "Mini 360: rating Ana as Peers" in result.stdout
    with Store.open(db) as store:
        assert [a.instrument_id for a in store.assessments.of_leader(store.leaders.get("Ana"))] == [
            "psl-360",
            "mini",
        ]
    assert peer_responses(db) == [("peer", {"l-1": 3}, {}, False)]


def test_rate_puts_a_new_leader_in_a_cohort(run: Run, db: Path) -> None:
    first = run("rate", "Forum A", "--as", "union", "-i", LMP, "--cohort", "east", input=keys("q"))
    assert first.exit_code == 0, first.stderr
    same = run("rate", "Forum A", "--as", "union", "-i", LMP, "--cohort", "east", input=keys("q"))
    assert same.exit_code == 0, same.stderr
    other = run("rate", "Forum A", "--as", "union", "--cohort", "west")
    assert (other.exit_code, other.stderr) == (
        2,
        'error: "Forum A" is in the cohort "east", not "west"; leave out --cohort\n',
    )
    with Store.open(db) as store:
        assert store.leaders.get("Forum A").cohort == "east"


# -- keys from a terminal ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("chunk", "expected"),
    [
        ("4", ["4"]),
        ("45", ["4", "5"]),  # typed ahead
        ("\r", [""]),
        ("\x1b[D", ["b"]),
        ("\x1b[C", ["s"]),
        ("\x1bOD3", ["b", "3"]),
        ("\x1b[15~q", ["", "q"]),  # F5, then q
        ("\x1b", [""]),
    ],
)
def test_split_keys(chunk: str, expected: list[str]) -> None:
    assert split_keys(chunk) == expected


@pytest.fixture
def pty_stdin(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[int, int]]:
    master, slave = os.openpty()
    stdin = open(slave, encoding="utf-8", closefd=False)  # noqa: SIM115 - closed below
    monkeypatch.setattr(sys, "stdin", stdin)
    try:
        yield master, slave
    finally:
        stdin.close()
        os.close(master)
        os.close(slave)


def test_a_terminal_gives_single_keys_and_is_restored(pty_stdin: tuple[int, int]) -> None:
    import termios

    master, slave = pty_stdin
    before = termios.tcgetattr(slave)
    keyboard = Keyboard()
    assert keyboard.raw
    with keyboard.keys():
        during = termios.tcgetattr(slave)
        assert not during[3] & (termios.ICANON | termios.ECHO)
        os.write(master, b"4\x1b[Dq")
        assert [keyboard.key(), keyboard.key(), keyboard.key()] == ["4", "b", "q"]
        os.write(master, b"\x04")
        with pytest.raises(EOFError):
            keyboard.key()
    assert termios.tcgetattr(slave) == before


def test_the_terminal_is_restored_after_an_error(pty_stdin: tuple[int, int]) -> None:
    import termios

    _, slave = pty_stdin
    before = termios.tcgetattr(slave)
    with pytest.raises(KeyboardInterrupt), Keyboard().keys():
        raise KeyboardInterrupt
    assert termios.tcgetattr(slave) == before


def test_next_steps_of_an_older_assessment_name_its_instrument(run: Run, db: Path, mini: Path) -> None:
    assert run("assess", "Ana", "-i", str(mini), input=keys("q")).exit_code == 0
    assert run("assess", "Ana", "-i", "psl-360", input=keys("q")).exit_code == 0  # now the newest
    done = run("assess", "Ana", "-i", str(mini), input=keys("4", "2", "5", "n", ""))
    assert done.exit_code == 0, done.stderr
    assert f"leadcheck --db {db} rate Ana --as peer -i mini" in done.stdout
    assert f"leadcheck --db {db} report Ana -i mini -o ana.pdf" in done.stdout


@pytest.mark.usefixtures("assessed")
def test_assess_warns_of_a_name_close_to_a_leaders_as_import_does(run: Run) -> None:
    result = run("assess", "Anaa", input=keys("q"))
    assert result.exit_code == 0
    assert result.stderr == (
        'warning: leader "Anaa" is new; did you mean "Ana"? If it is the same person, press q and run '
        "`leadcheck assess Ana`; otherwise ignore this warning\n"
    )
    again = run("assess", "Ana", input=keys("q"))  # the leader's own name: no warning
    assert again.stderr == ""


@pytest.mark.usefixtures("assessed")
def test_assess_does_not_take_a_numbered_code_for_a_typo(run: Run) -> None:
    assert run("assess", "Leader 1", input=keys("q")).stderr == ""
    assert run("assess", "Leader 2", input=keys("q")).stderr == ""
