"""Pulses end to end: a baseline campaign, a plan, a pulse sent, filled in by PDFium (a second PDF
implementation, as Chrome's viewer fills forms) and imported, its results in summary, on its page and
in the cohort summary, each figure checked against a count made here from the answers given."""

from __future__ import annotations

import email
import email.message
import email.policy
import itertools
import json
import shutil
import unicodedata
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import pypdf
import pytest

from leadcheck.pulse.instrument import QUESTION_ID
from leadcheck.store import Store
from leadcheck.store.plans import Focus

from . import test_campaign
from .conftest import Run
from .test_campaign import _invoke, fill, snapshot
from .test_campaign_forms import fill_with_pdfium

SENDER = "Cory Coach <coach@example.org>"
smtp_server = test_campaign.smtp_server  # the campaign tests' SMTP server on loopback
TEAM = """id: team
version: "1.0.0"
title: Team 360
description: Peers and direct reports need three.
scale:
  points:
    - {value: 1, label: Never}
    - {value: 2, label: Rarely}
    - {value: 3, label: Sometimes}
    - {value: 4, label: Often}
    - {value: 5, label: Always}
  not_observed: true
rater_groups:
  - {id: self, label: Self, min_raters: 1}
  - {id: manager, label: Manager, min_raters: 1}
  - {id: peer, label: Peers, min_raters: 3}
  - {id: direct_report, label: Direct reports, min_raters: 3}
competencies:
  - id: listen
    name: Listening
    description: Hears people out.
    items:
      - {id: l-1, self: I listen., others: This leader listens.}
      - {id: l-2, self: I interrupt., others: This leader interrupts., reverse: true}
  - id: decide
    name: Deciding
    description: Makes timely decisions.
    items:
      - {id: d-1, self: I decide., others: This leader decides.}
questions:
  - {id: keep, self: What should I keep doing?, others: What should they keep doing?}
"""
ROSTER = (
    "Leader,Name,Email,Group\n"
    "Ana Ruiz,Pat One,p1@example.org,peer\n"
    "Ana Ruiz,Pat Two,p2@example.org,peer\n"
    "Ana Ruiz,Pat Three,p3@example.org,peer\n"
    "Ana Ruiz,Pat Four,p4@example.org,peer\n"
    "Ana Ruiz,Dee Report,d1@example.org,direct_report\n"
    "Ana Ruiz,Max Boss,max@example.org,manager\n"
    "Ana Ruiz,Ana Ruiz,ana@example.org,self\n"
)
# Roster ids follow the rows. Dee is the only direct report: below the group's threshold of three.
RATERS = {"p1": 1, "p2": 2, "p3": 3, "p4": 4, "d1": 5, "max": 6, "ana": 7}
GROUP = {
    "p1": "peer",
    "p2": "peer",
    "p3": "peer",
    "p4": "peer",
    "d1": "direct_report",
    "max": "manager",
    "ana": "self",
}
PULSE_CHOICES = ["-3", "-2", "-1", "0", "1", "2", "3", "n"]
# What each rater answers to the pulse's two behaviours (l-1, d-1); "n": not observed.
PULSE = {
    "p1": {"l-1": "2", "d-1": "0"},
    "p2": {"l-1": "1", "d-1": "-1"},
    "p3": {"l-1": "3", "d-1": "n"},
    "p4": {"l-1": "1", "d-1": "1"},
    "d1": {"l-1": "-2", "d-1": "3"},
    "max": {"l-1": "2", "d-1": "0"},
    "ana": {"l-1": "1", "d-1": "1"},
}


def lc(folder: Path, *args: str | Path) -> Run:
    return _invoke(folder / "workspace.db", *args)


def form(rater: str, pulse: int = 0, reminder: str = "") -> str:
    stem = f"ana-ruiz-{GROUP[rater]}-{RATERS[rater]}"
    return f"{stem}-pulse-{pulse}{reminder}.pdf" if pulse else f"{stem}.pdf"


def fill_pulse(source: Path, target: Path, answers: dict[str, str], comment: str = "") -> Path:
    """The pulse form filled with PDFium (the campaign tests' second PDF implementation)."""
    comments = {QUESTION_ID: comment} if comment else {}
    return fill_with_pdfium(source, target, answers, comments, PULSE_CHOICES)


def copy_of(source: Path, target: Path) -> Path:
    for path in source.iterdir():
        (shutil.copytree if path.is_dir() else shutil.copy2)(path, target / path.name)
    return target


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ana's baseline campaign, every form returned (filled by MuPDF), and her plan on l-1 and d-1."""
    folder = tmp_path_factory.mktemp("pulse")
    (folder / "team.yaml").write_text(TEAM, encoding="utf-8")
    (folder / "roster.csv").write_text(ROSTER, encoding="utf-8")
    assert (
        lc(
            folder,
            "raters",
            "import",
            folder / "roster.csv",
            "-i",
            folder / "team.yaml",
            "--cohort",
            "spring",
        ).exit_code
        == 0
    )
    done = lc(
        folder, "invite", "--cohort", "spring", "-o", folder / "out", "--from", SENDER, "--due", "2031-03-14"
    )
    assert done.exit_code == 0, done.stderr
    back = folder / "returned"
    back.mkdir()
    files = [
        fill(folder / "out" / form(r), back / f"{r}.pdf", {"l-1": "3", "l-2": "2", "d-1": "4"})
        for r in RATERS
    ]
    assert lc(folder, "import", *files).exit_code == 0
    with Store.open(folder / "workspace.db", create=False) as store:
        ana = store.leaders.get("Ana Ruiz")
        current = store.assessments.current(ana)
        plan = store.plans.save(
            ana.id,
            current.id,
            [
                Focus("l-1", "Hear people out", "my team", "2031-01-31"),
                Focus("d-1", "Decide", "my team", "2031-01-31"),
            ],
        )
    (folder / "made_on").write_text(plan.made_on)
    return folder


@pytest.fixture(scope="module")
def pulsed(planned: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The pulse sent, every form filled by PDFium and imported."""
    folder = copy_of(planned, tmp_path_factory.mktemp("pulsed"))
    done = lc(folder, "pulse", "Ana Ruiz", "-o", folder / "pulse", "--from", SENDER, "--due", "2031-04-30")
    assert done.exit_code == 0, done.stderr
    back = folder / "pulse-returned"
    back.mkdir()
    files = [
        fill_pulse(
            folder / "pulse" / form(r, 2), back / f"{r}.pdf", PULSE[r], "Listens first" if r == "p1" else ""
        )
        for r in RATERS
    ]
    done = lc(folder, "import", *files)
    assert done.exit_code == 0, done.stderr
    return folder


@pytest.fixture
def workspace(pulsed: Path, tmp_path: Path) -> Iterator[Path]:
    yield copy_of(pulsed, tmp_path)


# -- an independent count ----------------------------------------------------------------------


def sign_test(improved: int, declined: int) -> float:
    """P(at least ``improved`` of the raters who saw a change saw improvement), every sign pattern counted."""
    n = improved + declined
    patterns = list(itertools.product((1, -1), repeat=n))
    return sum(1 for p in patterns if p.count(1) >= improved) / len(patterns)


def counted(raters: list[str], item: str) -> dict[str, object]:
    answers = [PULSE[r][item] for r in raters]
    up = sum(1 for a in answers if a != "n" and int(a) > 0)
    down = sum(1 for a in answers if a != "n" and int(a) < 0)
    same = sum(1 for a in answers if a == "0")
    rated = up + down + same
    return {
        "improved": up,
        "no_change": same,
        "declined": down,
        "not_observed": answers.count("n"),
        "share_improved": up / rated if rated else None,
        "sign_test_p": sign_test(up, down) if up + down else None,
    }


# -- sending -----------------------------------------------------------------------------------


def test_a_pulse_sends_each_rater_a_short_form_and_leaves_the_roster_as_it_was(
    planned: Path, tmp_path: Path
) -> None:
    folder = copy_of(planned, tmp_path)
    before = json.loads(lc(folder, "raters", "list", "--json").stdout)
    done = lc(folder, "pulse", "Ana Ruiz", "-o", folder / "pulse", "--from", SENDER, "--due", "2031-04-30")
    assert done.exit_code == 0, done.stderr
    assert "Wrote 7 forms and 7 pulse emails (.eml, ready to send) to" in done.stdout
    assert done.stdout.rstrip().endswith("(2 forms rendered).")  # one for the leader, one for all others
    assert sorted(p.name for p in (folder / "pulse").iterdir()) == sorted(
        f"{form(r, 2)[:-4]}{suffix}" for r in RATERS for suffix in (".eml", ".pdf")
    )
    assert json.loads(lc(folder, "raters", "list", "--json").stdout) == before  # states are the round's
    message = email.message_from_bytes(
        (folder / "pulse" / form("p1", 2).replace(".pdf", ".eml")).read_bytes(), policy=email.policy.default
    )
    assert message["Subject"] == "Two minutes of follow-up for Ana Ruiz"
    assert message["To"] == "Pat One <p1@example.org>"
    page = pypdf.PdfReader(folder / "pulse" / form("p1", 2)).pages[0].extract_text()
    text = " ".join(unicodedata.normalize("NFKC", page).split())
    since = Path(planned / "made_on").read_text()
    from leadcheck.pulse.instrument import long_date

    assert (
        f'Since {long_date(since)}, has this leader become more or less effective at this: "This leader listens."'
        in text
    )
    assert "+3 Much more effective Not observed" in text
    again = lc(folder, "pulse", "Ana Ruiz", "-o", folder / "again", "--from", SENDER)
    assert again.exit_code == 0
    assert again.stdout.startswith("Nobody to send a pulse form to: every rater on the roster has one")


def test_a_pulse_form_is_much_shorter_than_the_rounds(pulsed: Path) -> None:
    assert len(pypdf.PdfReader(pulsed / "pulse" / form("p1", 2)).get_fields() or {}) == 2 + 1 + 5


# -- results -----------------------------------------------------------------------------------


def test_summary_json_shows_each_behaviour_by_group_as_counted_from_the_answers(workspace: Path) -> None:
    done = lc(workspace, "summary", "Ana Ruiz", "--format", "json")
    assert done.exit_code == 0, done.stderr
    pulse = json.loads(done.stdout)["pulse"]
    peers, others = ["p1", "p2", "p3", "p4"], ["p1", "p2", "p3", "p4", "max"]
    assert pulse["raters"] == {"manager": 1, "peer": 4}
    assert pulse["hidden_groups"] == ["Direct reports"]  # one direct report: left out of every figure
    assert pulse["raters_new_since_round"] == 0
    for behaviour, item in zip(pulse["behaviours"], ("l-1", "d-1"), strict=True):
        assert behaviour["item"] == item
        assert behaviour["all_others"] == pytest.approx(counted(others, item))
        assert behaviour["groups"] == {
            "manager": counted(["max"], item),
            "peer": pytest.approx(counted(peers, item)),
        }
        assert behaviour["excluded_groups"] == ["direct_report"]
        assert behaviour["self"] == int(PULSE["ana"][item])
    l1, d1 = pulse["behaviours"]
    assert l1["all_others"]["sign_test_p"] == pytest.approx(1 / 32)  # five of five saw improvement
    assert l1["improved"] is True and d1["improved"] is False
    assert pulse["share_improved"] == 0.5


def test_summary_text_says_what_improved_means(workspace: Path) -> None:
    done = lc(workspace, "summary", "Ana Ruiz")
    assert done.exit_code == 0, done.stderr
    assert "Pulse 1 · since the plan of" in done.stdout
    assert "Raters: Manager 1, Peers 4" in done.stdout
    assert '"Improved" counts raters who answered +1 to +3' in " ".join(done.stdout.split())
    assert "✓ improved" in done.stdout
    # The round's own figures stay the round's: the pulse is never the current assessment.
    assert "Ana Ruiz · Team 360 1.0.0" in done.stdout
    assert "Raters: Self 1, Manager 1, Peers 4" in done.stdout


def test_the_pulse_page_is_one_page_with_the_same_figures(workspace: Path) -> None:
    done = lc(workspace, "report", "Ana Ruiz", "--pulse", "-o", workspace / "pulse.pdf")
    assert done.exit_code == 0, done.stderr
    reader = pypdf.PdfReader(workspace / "pulse.pdf")
    assert len(reader.pages) == 1
    text = " ".join(reader.pages[0].extract_text().split())
    assert "Pulse 1: did the plan work?" in text
    assert "More raters saw improvement than decline" in text
    assert "All others 5 0 0 0 100% 0.031" in text
    assert "Listens first" in text  # five raters asked: the comment is shown
    assert "Your plan: Hear people out (by 2031-01-31)" in text
    assert "Dee" not in text and "Pat" not in text
    with Store.open(workspace / "workspace.db", create=False) as store:
        kinds = [
            r[0]
            for r in store.conn.execute(
                "SELECT kind FROM releases r JOIN assessments a ON a.id = r.assessment_id WHERE a.pulse_of IS NOT NULL"
            )
        ]
    assert "report" in kinds  # the page is a release of the pulse


def test_the_cohort_summary_counts_improved_behaviours_without_names(workspace: Path) -> None:
    done = lc(workspace, "cohort", "report", "spring", "-o", workspace / "cohort", "-j", "1", "--anonymize")
    assert done.exit_code == 0, done.stderr
    text = " ".join(
        pypdf.PdfReader(workspace / "cohort" / "cohort-summary.pdf").pages[-1].extract_text().split()
    )
    assert "Progress on development plans" in text
    code = (workspace / "cohort" / "leader-codes.csv").read_text().splitlines()[1].split(",")[0]
    assert f"{code} pulse 1 1 of 2 50%" in text
    assert "Ana" not in text


# -- reminders, new raters, rounds and pulses apart -----------------------------------------------


def test_remind_pulse_reminds_only_who_has_not_answered(planned: Path, tmp_path: Path) -> None:
    folder = copy_of(planned, tmp_path)
    assert lc(folder, "pulse", "--cohort", "spring", "-o", folder / "pulse", "--from", SENDER).exit_code == 0
    answered = fill_pulse(folder / "pulse" / form("p1", 2), folder / "p1.pdf", PULSE["p1"])
    assert lc(folder, "import", answered).exit_code == 0
    done = lc(folder, "remind", "--pulse", "Ana Ruiz", "-o", folder / "remind", "--from", SENDER)
    assert done.exit_code == 0, done.stderr
    assert "Wrote 6 forms and 6 pulse reminder emails" in done.stdout
    assert not any(p.name.startswith("ana-ruiz-peer-1-") for p in (folder / "remind").iterdir())
    eml = next((folder / "remind").glob("ana-ruiz-peer-2-*.eml"))
    subject = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)["Subject"]
    assert " ".join(subject.split()) == "Reminder: two minutes of follow-up for Ana Ruiz"


def test_a_rater_added_since_the_round_may_answer_and_is_counted(workspace: Path) -> None:
    added = lc(
        workspace,
        "raters",
        "add",
        "Ana Ruiz",
        "--email",
        "p5@example.org",
        "--as",
        "peer",
        "--name",
        "Pat Five",
    )
    assert added.exit_code == 0, added.stderr
    done = lc(workspace, "pulse", "Ana Ruiz", "-o", workspace / "more", "--from", SENDER)
    assert done.exit_code == 0, done.stderr
    assert [p.name for p in (workspace / "more").glob("*.pdf")] == ["ana-ruiz-peer-8-pulse-2.pdf"]
    filled = fill_pulse(
        workspace / "more" / "ana-ruiz-peer-8-pulse-2.pdf", workspace / "p5.pdf", {"l-1": "2", "d-1": "2"}
    )
    assert lc(workspace, "import", filled).exit_code == 0
    pulse = json.loads(lc(workspace, "summary", "Ana Ruiz", "-f", "json").stdout)["pulse"]
    assert pulse["raters"] == {"manager": 1, "peer": 5}
    # Counted, but "1 new" would name Pat as having answered: the count is withheld (a fourth review).
    assert pulse["raters_new_since_round"] is None
    assert "gave no answers in the round" not in lc(workspace, "summary", "Ana Ruiz").stdout


def test_a_round_form_returned_after_the_pulse_goes_to_the_round(planned: Path, tmp_path: Path) -> None:
    folder = copy_of(planned, tmp_path)
    assert lc(folder, "pulse", "Ana Ruiz", "-o", folder / "pulse", "--from", SENDER).exit_code == 0
    late = fill(folder / "out" / form("p2"), folder / "late.pdf", {"l-1": "5", "l-2": "1", "d-1": "5"})
    pulse = fill_pulse(folder / "pulse" / form("p1", 2), folder / "p1.pdf", PULSE["p1"])
    assert lc(folder, "import", late, pulse).exit_code == 0  # both kinds in one import
    doc = json.loads(lc(folder, "summary", "Ana Ruiz", "-f", "json").stdout)
    assert (doc["pulse"]["raters"], doc["pulse"]["hidden_groups"]) == ({}, ["Peers"])  # one peer: hidden
    with Store.open(folder / "workspace.db", create=False) as store:
        ana = store.leaders.get("Ana Ruiz")
        assert (
            len(store.responses.of_assessment(store.assessments.current(ana))) == 7
        )  # p2's corrected form replaced theirs
        from leadcheck.cohort.progress import pulse_verdicts

        assert pulse_verdicts(store, [ana]) == {}  # a pulse nobody answered counts for nothing in the cohort


# -- bad input ----------------------------------------------------------------------------------


def test_a_pulse_without_a_plan_names_the_plan_command(tmp_path: Path, planned: Path) -> None:
    folder = copy_of(planned, tmp_path)
    with Store.open(folder / "workspace.db", create=False) as store:
        store.plans.remove(store.assessments.current(store.leaders.get("Ana Ruiz")).id)
    before = snapshot(folder)
    done = lc(folder, "pulse", "Ana Ruiz", "-o", folder / "pulse", "--from", SENDER)
    assert done.exit_code == 1
    assert done.stderr == (
        'error: "Ana Ruiz" has no development plan yet, so a pulse has nothing to ask about; after their '
        'report, make one with `leadcheck plan "Ana Ruiz"`\n'
    )
    assert snapshot(folder) == before
    assert not (folder / "pulse").exists() or not any((folder / "pulse").iterdir())


def test_a_pulse_for_an_unknown_cohort_or_nobody_is_refused(planned: Path) -> None:
    done = lc(planned, "pulse", "--cohort", "autumn", "-o", planned / "x", "--from", SENDER)
    assert done.exit_code == 1
    assert done.stderr.startswith('error: no cohort "autumn" in ')
    assert done.stderr.endswith("; cohorts: spring\n")
    bare = lc(planned, "pulse", "-o", planned / "x", "--from", SENDER)
    assert bare.exit_code == 2
    assert "give a LEADER or --cohort NAME" in bare.stderr


def test_a_token_moved_between_a_round_form_and_a_pulse_form_is_refused(workspace: Path) -> None:
    pulse_form = workspace / "pulse" / form("p1", 2)
    round_form = workspace / "out" / form("p1")
    pulse_token = pypdf.PdfReader(pulse_form).get_fields()["lc_token"]["/V"]
    round_token = pypdf.PdfReader(round_form).get_fields()["lc_token"]["/V"]
    before = snapshot(workspace)
    moved = fill(round_form, workspace / "a.pdf", {"l-1": "5"}, fields={"lc_token": pulse_token})
    done = lc(workspace, "import", moved)
    assert done.exit_code == 1
    assert 'field "lc_instrument": was changed; the form was made for team-pulse 1.0.0' in done.stderr
    back = workspace / "b.pdf"
    fill_pulse(pulse_form, back, {"l-1": "3"})
    fill(back, workspace / "c.pdf", {}, fields={"lc_token": round_token})
    done = lc(workspace, "import", workspace / "c.pdf")
    assert done.exit_code == 1
    assert 'field "lc_instrument": was changed; the form was made for team 1.0.0' in done.stderr
    assert snapshot(workspace) == before


def test_a_form_of_an_earlier_pulse_is_refused_once_a_new_one_started(workspace: Path) -> None:
    done = lc(workspace, "pulse", "Ana Ruiz", "--new", "-o", workspace / "second", "--from", SENDER)
    assert done.exit_code == 0, done.stderr
    assert (workspace / "second" / form("p1", 3)).exists()
    late = fill_pulse(workspace / "pulse" / form("p1", 2), workspace / "late.pdf", {"l-1": "-3"})
    before = snapshot(workspace)
    done = lc(workspace, "import", late)
    assert done.exit_code == 1
    assert done.stderr.startswith(
        f'{late}: field "lc_token": this form is for an earlier pulse of "Ana Ruiz"; send the rater a form '
        "for the newest with `leadcheck remind --pulse`"
    )
    assert snapshot(workspace) == before


def test_the_page_of_a_leader_without_a_pulse_says_how_to_send_one(planned: Path, tmp_path: Path) -> None:
    done = lc(planned, "report", "Ana Ruiz", "--pulse", "-o", tmp_path / "p.pdf")
    assert done.exit_code == 1
    assert done.stderr == (
        'error: "Ana Ruiz" has no pulse yet; send one with `leadcheck pulse "Ana Ruiz"` after they made their plan\n'
    )
    assert not (tmp_path / "p.pdf").exists()


def test_the_sign_test_is_exact(tmp_path: Path) -> None:
    from leadcheck.pulse.results import sign_test as ours

    for up, down in itertools.product(range(7), range(7)):
        if up + down:
            assert ours(up, down) == Fraction(round(sign_test(up, down) * 2 ** (up + down)), 2 ** (up + down))
    assert ours(0, 0) is None


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_a_pulse_is_sent_through_smtp_like_the_invitations(
    planned: Path, tmp_path: Path, smtp_server: tuple[Any, int]
) -> None:
    inbox, port = smtp_server
    folder = copy_of(planned, tmp_path)
    done = _invoke(
        folder / "workspace.db", "pulse", "Ana Ruiz", "-o", folder / "pulse", "--from", SENDER,
        "--smtp", f"127.0.0.1:{port}", "--smtp-user", "coach", env={"LEADCHECK_SMTP_PASSWORD": "s3cret"},
    )  # fmt: skip
    assert done.exit_code == 0, done.stderr
    assert done.stdout.endswith(f"Sent 7 emails through 127.0.0.1:{port}.\n")
    assert sorted(rcpt for _, (rcpt,), _ in inbox.messages) == sorted(
        f"{r}@example.org" for r in ("p1", "p2", "p3", "p4", "d1", "max", "ana")
    )
    for _, _, data in inbox.messages:
        message = email.message_from_bytes(data, policy=email.policy.default)
        assert isinstance(message, email.message.EmailMessage)
        (attachment,) = list(message.iter_attachments())
        assert attachment.get_filename() == "follow-up-ana-ruiz.pdf"


def test_a_changed_plan_starts_a_new_pulse_on_its_behaviours(workspace: Path) -> None:
    with Store.open(workspace / "workspace.db", create=False) as store:
        ana = store.leaders.get("Ana Ruiz")
        store.plans.save(
            ana.id,
            store.assessments.current(ana).id,
            [Focus("l-2", "Let people finish", "team", "2031-02-28")],
        )
    done = lc(workspace, "pulse", "Ana Ruiz", "-o", workspace / "changed", "--from", SENDER)
    assert done.exit_code == 0, done.stderr
    assert len(list((workspace / "changed").glob("*-pulse-3.pdf"))) == 7  # a new pulse, for every rater
    fields = pypdf.PdfReader(workspace / "changed" / form("p1", 3)).get_fields() or {}
    assert sorted(f for f in fields if f.startswith("item:")) == ["item:l-2"]
    pulse = json.loads(lc(workspace, "summary", "Ana Ruiz", "-f", "json").stdout)["pulse"]
    assert (pulse["pulse"], pulse["raters"]) == (2, {})


def test_a_cohort_pulse_names_and_skips_leaders_without_a_plan(planned: Path, tmp_path: Path) -> None:
    folder = copy_of(planned, tmp_path)
    added = lc(
        folder, "raters", "add", "Ben Ode", "--email", "b@example.org", "--as", "peer", "--cohort", "spring"
    )
    assert added.exit_code == 0, added.stderr
    done = lc(folder, "pulse", "--cohort", "spring", "-o", folder / "pulse", "--from", SENDER)
    assert done.exit_code == 0, done.stderr
    assert (
        done.stderr == "No development plan yet, no pulse sent (make one with `leadcheck plan`): Ben Ode.\n"
    )
    assert "Wrote 7 forms and 7 pulse emails" in done.stdout


def test_the_pulse_page_as_html_and_the_reminder_without_a_due_date(workspace: Path) -> None:
    done = lc(workspace, "report", "Ana Ruiz", "--pulse", "-o", workspace / "pulse.html")
    assert done.exit_code == 0, done.stderr
    html = (workspace / "pulse.html").read_text("utf-8")
    assert "Pulse 1: did the plan work?" in html and "<script" not in html
    done = lc(workspace, "remind", "--pulse", "Ana Ruiz", "-o", workspace / "r", "--from", SENDER)
    assert done.stdout == "Nobody to remind: every rater sent a pulse form has answered it.\n"


def test_pulses_leave_exports_and_go_with_a_purged_leader(workspace: Path) -> None:
    from leadcheck.importing.export import iter_export

    with Store.open(workspace / "workspace.db", create=False) as store:
        exported = list(iter_export(store))
        assert len(exported) == 7 and {r["instrument"] for r in exported} == {"team"}
    assert lc(workspace, "purge", "Ana Ruiz", "--yes").exit_code == 0
    with Store.open(workspace / "workspace.db", create=False) as store:
        assert store.conn.execute("SELECT count(*) FROM assessments").fetchone()[0] == 0
        assert store.conn.execute("SELECT count(*) FROM responses").fetchone()[0] == 0


def test_audit_replays_the_pulses_releases_too(workspace: Path) -> None:
    assert lc(workspace, "summary", "Ana Ruiz").exit_code == 0  # a release of the round and of the pulse
    done = lc(workspace, "audit", "Ana Ruiz", "--format", "json")
    assert done.exit_code == 0, done.stderr
    entries = json.loads(done.stdout)["assessments"]
    assert [e["instrument"] for e in entries] == ["team", "team-pulse"]
    assert all(e["releases"] and e["recoverable"] == [] for e in entries)
