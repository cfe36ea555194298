"""Rater campaigns end to end: roster, PDF questionnaires filled by PyMuPDF (a second PDF implementation,
as a rater's viewer), returned forms imported with every check, invitations, reminders and status."""

from __future__ import annotations

import email
import email.policy
import json
import re
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pymupdf
import pytest
from typer.testing import CliRunner

from leadcheck import anonymity
from leadcheck.campaign import roster
from leadcheck.importing.export import iter_export
from leadcheck.instrument.catalog import load_instrument
from leadcheck.store import Store

from .conftest import MINI_360, Run

Cli = Callable[..., Run]
SENDER = "Cory Coach <coach@example.org>"
ROSTER = (
    "Leader,Name,Email,Group\n"
    "Ana Ruiz,Jo Peer,jo@example.org,Peers\n"
    "Ana Ruiz,Kim Peer,kim@example.org,peer\n"
    "Ana Ruiz,Max Boss,max@example.org,Manager\n"
    "Ana Ruiz,Ana Ruiz,ana@example.org,self\n"
)
# Rater ids follow the roster's rows: 1 Jo, 2 Kim, 3 Max, 4 Ana herself.
FORMS = {
    "jo": "ana-ruiz-peer-1.pdf",
    "kim": "ana-ruiz-peer-2.pdf",
    "max": "ana-ruiz-manager-3.pdf",
    "ana": "ana-ruiz-self-4.pdf",
}
CHOICES = ["1", "2", "3", "4", "5", "n"]


def _invoke(db: Path, *args: str | Path, env: dict[str, str] | None = None) -> Run:
    from leadcheck.cli import app

    runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1", "LEADCHECK_DB": None, **(env or {})})
    result = runner.invoke(app, ["--db", str(db), *map(str, args)])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Run(result.exit_code, result.stdout, result.stderr, result.exception)


@pytest.fixture(scope="module")
def invited(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace whose four raters of Ana Ruiz were invited: forms and emails in out/. Built once."""
    folder = tmp_path_factory.mktemp("campaign")
    (folder / "roster.csv").write_text(ROSTER, encoding="utf-8")
    db = folder / "workspace.db"
    done = _invoke(
        db, "raters", "import", folder / "roster.csv", "--instrument", MINI_360, "--cohort", "spring"
    )
    assert done.exit_code == 0, done.stderr
    done = _invoke(
        db, "invite", "--cohort", "spring", "-o", folder / "out", "--from", SENDER, "--due", "2031-03-14"
    )
    assert done.exit_code == 0, done.stderr
    return folder


@pytest.fixture
def campaign(invited: Path, tmp_path: Path) -> Iterator[Path]:
    """A private copy of the invited workspace and its forms, in tmp_path."""
    for path in invited.iterdir():
        target = tmp_path / path.name
        if path.is_dir():
            shutil.copytree(path, target)
        else:
            shutil.copy2(path, target)
    yield tmp_path


def lc(folder: Path, *args: str | Path, env: dict[str, str] | None = None) -> Run:
    return _invoke(folder / "workspace.db", *args, env=env)


def fill(
    source: Path,
    target: Path,
    answers: dict[str, str],
    comments: dict[str, str] | None = None,
    fields: dict[str, str] | None = None,
) -> Path:
    """Fill a questionnaire as a rater's viewer would, with MuPDF: click a circle, type into a box."""
    doc = pymupdf.open(source)
    for page in doc:
        for widget in page.widgets():
            name = widget.field_name
            if name.startswith("item:") and name[5:] in answers:
                if widget.on_state() == str(CHOICES.index(answers[name[5:]])):
                    widget.field_value = widget.on_state()
                    widget.update()
            elif name.startswith("comment:") and name[8:] in (comments or {}):
                widget.field_value = (comments or {})[name[8:]]
                widget.update()
            elif name in (fields or {}):
                widget.field_value = (fields or {})[name]
                widget.update()
    doc.save(target)
    doc.close()
    return target


def widgets(path: Path) -> dict[str, list[Any]]:
    doc = pymupdf.open(path)
    out: dict[str, list[Any]] = {}
    for page in doc:
        for widget in page.widgets():
            out.setdefault(widget.field_name, []).append(
                (widget.field_type_string, widget.on_state(), widget.field_flags, widget.field_value)
            )
    doc.close()
    return out


def stored(folder: Path) -> list[dict[str, Any]]:
    with Store.open(folder / "workspace.db", create=False) as store:
        return [
            {k: r[k] for k in ("leader", "group", "answers", "comments", "rater")} for r in iter_export(store)
        ]


def states(folder: Path) -> dict[str, str]:
    with Store.open(folder / "workspace.db", create=False) as store:
        return {r.email: r.state for r in roster.roster(store, include_removed=True) if r.email}


def snapshot(folder: Path) -> bytes:
    """Everything the workspace holds, to prove a refused import wrote nothing."""
    conn = sqlite3.connect(folder / "workspace.db")
    try:
        return "\n".join(conn.iterdump()).encode()
    finally:
        conn.close()


# -- the roster -------------------------------------------------------------------------------


def test_roster_import_lists_each_rater_with_a_state(campaign: Path) -> None:
    done = lc(campaign, "raters", "list", "--json")
    assert done.exit_code == 0, done.stderr
    rows = json.loads(done.stdout)
    assert [(r["name"], r["group"], r["state"], r["due_date"]) for r in rows] == [
        ("Max Boss", "manager", "invited", "2031-03-14"),
        ("Jo Peer", "peer", "invited", "2031-03-14"),
        ("Kim Peer", "peer", "invited", "2031-03-14"),
        ("Ana Ruiz", "self", "invited", "2031-03-14"),
    ]


def test_roster_import_refuses_the_whole_file_and_never_quotes_names_or_emails(
    cli: Cli, tmp_path: Path
) -> None:
    (tmp_path / "r.csv").write_text(
        "leader,name,email,relationship\n"
        "Ana Ruiz,Jo Peer,jo-at-example.org,peer\n"
        "Ana Ruiz,Kim Peer,kim@example.org,Customer\n"
        "Ana Ruiz,Kim Again,KIM@example.org,peer\n"
        "Ana Ruiz,Lee\tTab,lee@example.org,peer\n"
        "Ben Ode,Ok Person,ok@example.org,manager\n",
        encoding="utf-8",
    )
    done = cli("raters", "import", "r.csv", "--instrument", str(MINI_360))
    assert done.exit_code == 1
    assert done.stderr.splitlines() == [
        'r.csv:2: column "email": the email address is not valid; expected one address such as name@example.org',
        'r.csv:3: column "group": "Customer" is not a rater group of mini; expected one of: self (Self), '
        "manager (Manager), peer (Peers)",
        'r.csv:5: column "name": the rater\'s name holds a line break, tab or other control character; '
        "expected a name on one line",
        "3 problems found. Nothing was written.",
    ]
    assert not (tmp_path / "workspace.db").exists()


def test_roster_refuses_the_same_rater_twice_and_a_group_change(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "r.csv").write_text(
        "leader,name,email,group\nAna Ruiz,Jo,jo@example.org,peer\nana  ruiz,Jo,JO@example.org,peer\n",
        encoding="utf-8",
    )
    done = cli("raters", "import", "r.csv", "--instrument", str(MINI_360))
    assert done.stderr.splitlines()[0] == (
        "r.csv:3: the same rater is nominated for this leader again (first at line 2)"
    )
    assert (
        cli(
            "raters",
            "add",
            "Ana Ruiz",
            "--email",
            "jo@example.org",
            "--as",
            "peer",
            "--instrument",
            str(MINI_360),
        ).exit_code
        == 0
    )
    again = cli("raters", "add", "Ana Ruiz", "--email", "jo@example.org", "--as", "manager")
    assert again.exit_code == 2
    assert again.stderr == (
        "error: --as: this rater is already on the roster of this leader as peer, here as manager; a rater "
        "answers in one group only: correct the group, or remove them first (leadcheck raters remove)\n"
    )
    same = cli("raters", "add", "Ana Ruiz", "--email", "JO@example.org", "--as", "peer")
    assert same.stdout == 'This rater is already on the roster of "Ana Ruiz"; nothing changed.\n'


def test_roster_csv_without_the_needed_columns(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "r.csv").write_text("who,address\nAna,a@example.org\n", encoding="utf-8")
    done = cli("raters", "import", "r.csv")
    assert done.exit_code == 1
    assert done.stderr.splitlines()[0] == (
        'r.csv:1: no column for leader, email, group; expected a header row with the columns "leader", '
        '"name", "email" and "group" (relationship)'
    )


# -- the questionnaire ---------------------------------------------------------------------------


def test_each_form_has_a_radio_group_per_item_and_only_its_groups_questions(campaign: Path) -> None:
    peer = widgets(campaign / "out" / FORMS["jo"])
    manager = widgets(campaign / "out" / FORMS["max"])
    items = {"l-1", "l-2", "d-1", "f-1"}
    assert {name[5:] for name in peer if name.startswith("item:")} == items
    for name in (f"item:{i}" for i in items):
        assert [(kind, state) for kind, state, _, _ in peer[name]] == [
            ("RadioButton", str(i)) for i in range(len(CHOICES))
        ]
    assert {n for n in peer if n.startswith("comment:")} == {"comment:keep", "comment:peer-only"}
    assert {n for n in manager if n.startswith("comment:")} == {"comment:keep"}
    # The reference fields are read-only (flag bit 1), the token is filled in and differs per rater.
    token = peer["lc_token"][0]
    assert token[2] & 1 == 1 and peer["lc_group"][0][2] & 1 == 1
    assert token[3] != widgets(campaign / "out" / FORMS["kim"])["lc_token"][0][3]
    assert len(roster.normalise_token(token[3])) == 24


def test_form_text_has_purpose_privacy_scale_and_the_groups_wording(campaign: Path) -> None:
    from .conftest import pdftotext

    text = " ".join(pdftotext(campaign / "out" / FORMS["jo"]).split())
    assert "Feedback about Ana Ruiz" in text
    assert "Please send it back by: 2031-03-14" in text
    # The promise is the anonymity rule's own wording (one rule, one place), the same as `rate` shows.
    promise = " ".join(anonymity.rater_promise(load_instrument(MINI_360), "peer").split())
    assert "only once at least 2 of them have rated it" in promise
    assert promise in text
    assert "1 = Never; 2 = Rarely; 3 = Sometimes; 4 = Often; 5 = Always; n = Not observed" in text
    assert "They listen." in text and "I listen." not in text
    self_text = " ".join(pdftotext(campaign / "out" / FORMS["ana"]).split())
    assert "I listen." in self_text and "Your self-assessment, Ana Ruiz" in self_text


def test_only_the_tokens_keyed_hash_is_stored(campaign: Path) -> None:
    token = widgets(campaign / "out" / FORMS["jo"])["lc_token"][0][3]
    raw = b"".join(p.read_bytes() for p in campaign.glob("workspace.db*"))
    assert token.encode() not in raw and roster.normalise_token(token).encode() not in raw
    with Store.open(campaign / "workspace.db", create=False) as store:
        match = roster.find_token(store, token.lower().replace("-", " "))
        assert match is not None and match.rater.email == "jo@example.org"


# -- returned forms -------------------------------------------------------------------------------


def _return_all(campaign: Path) -> list[Path]:
    back = campaign / "returned"
    back.mkdir(exist_ok=True)
    out = campaign / "out"
    return [
        fill(
            out / FORMS["jo"],
            back / "jo.pdf",
            {"l-1": "4", "l-2": "2", "d-1": "n"},
            {"keep": "Clear {{ goals }} $x"},
        ),
        fill(out / FORMS["kim"], back / "kim.pdf", {"l-1": "5", "f-1": "3"}, {"peer-only": "Good peer"}),
        fill(out / FORMS["max"], back / "max.pdf", {"l-1": "3", "l-2": "1", "d-1": "4", "f-1": "5"}),
    ]


def _roster_times(campaign: Path) -> list[tuple[object, ...]]:
    """Every time the roster and its tokens keep."""
    with sqlite3.connect(campaign / "workspace.db") as conn:
        return conn.execute(
            "SELECT r.id, created_at, invited_at, reminded_at, returned_at, removed_at, "
            "(SELECT group_concat(issued_at) FROM campaign_tokens t WHERE t.rater_id = r.id) "
            "FROM campaign_raters r ORDER BY r.id"
        ).fetchall()


def test_filled_forms_import_with_their_answers_and_mark_raters_returned(campaign: Path) -> None:
    files = _return_all(campaign)
    roster_before = _roster_times(campaign)
    done = lc(campaign, "import", *files)
    assert done.exit_code == 0, done.stderr
    assert "returned/jo.pdf: PDF questionnaire, 1 response" in done.stdout
    assert "Added 3, replaced 0, unchanged 0." in done.stdout
    got = sorted(((r["group"], r["answers"], r["comments"]) for r in stored(campaign)), key=repr)
    assert got == [
        ("manager", {"l-1": 3, "l-2": 1, "d-1": 4, "f-1": 5}, {}),
        ("peer", {"l-1": 4, "l-2": 2, "d-1": None}, {"keep": "Clear {{ goals }} $x"}),
        ("peer", {"l-1": 5, "f-1": 3}, {"peer-only": "Good peer"}),
    ]
    assert states(campaign) == {
        "jo@example.org": "returned",
        "kim@example.org": "returned",
        "max@example.org": "returned",
        "ana@example.org": "invited",
    }
    # The rater identity stored is a keyed hash: no token, name or email in the export.
    exported = lc(campaign, "export").stdout
    assert "example.org" not in exported and "Jo Peer" not in exported
    # Without the key, no time ties a roster entry to a response: the roster keeps that a form came
    # back (its state), never when; the import wrote no time into the roster (see _roster_times).
    assert _roster_times(campaign) == roster_before


def test_the_same_form_again_changes_nothing_and_a_corrected_form_replaces(campaign: Path) -> None:
    files = _return_all(campaign)
    assert lc(campaign, "import", *files).exit_code == 0
    before = snapshot(campaign)
    again = lc(campaign, "import", *files)
    assert "Added 0, replaced 0, unchanged 3." in again.stdout
    assert snapshot(campaign) == before
    fixed = fill(campaign / "out" / FORMS["jo"], campaign / "jo-2.pdf", {"l-1": "1"})
    done = lc(campaign, "import", fixed)
    assert done.exit_code == 0, done.stderr
    assert "Added 0, replaced 1, unchanged 0." in done.stdout
    assert "1 rater had answered before: the new answers replace the earlier ones." in done.stdout
    peers = [r["answers"] for r in stored(campaign) if r["group"] == "peer"]
    assert {"l-1": 1} in peers and {"l-1": 4, "l-2": 2, "d-1": None} not in peers


def test_two_different_forms_of_one_rater_in_one_import_are_refused(campaign: Path) -> None:
    out = campaign / "out"
    a = fill(out / FORMS["jo"], campaign / "a.pdf", {"l-1": "4"})
    b = fill(out / FORMS["jo"], campaign / "b.pdf", {"l-1": "2"})
    before = snapshot(campaign)
    done = lc(campaign, "import", a, b)
    assert done.exit_code == 1
    assert f"{b}: this is the same rater's questionnaire as {a}, with different answers" in done.stderr
    assert snapshot(campaign) == before


def _refused(campaign: Path, path: Path, message: str) -> None:
    before = snapshot(campaign)
    done = lc(campaign, "import", path)
    assert done.exit_code == 1
    assert done.stderr == f"{path}: {message}\n1 problem found. Nothing was written.\n"
    assert snapshot(campaign) == before
    for secret in ("Jo Peer", "jo@example.org", "Kim", "Max"):
        assert secret not in done.stderr


RESEND = "ask the rater to fill in the form they were sent, save it (not Print to PDF) and send it again"


def test_tampered_fields_are_refused_naming_the_field(campaign: Path) -> None:
    out = campaign / "out"
    group = fill(out / FORMS["jo"], campaign / "g.pdf", {"l-1": "4"}, fields={"lc_group": "manager"})
    _refused(
        campaign, group, f'field "lc_group": was changed; the form was made for the group peer; {RESEND}'
    )
    inst = fill(out / FORMS["jo"], campaign / "i.pdf", {"l-1": "4"}, fields={"lc_instrument": "0" * 64})
    _refused(
        campaign, inst, f'field "lc_instrument": was changed; the form was made for mini 1.0.0; {RESEND}'
    )
    token = fill(out / FORMS["jo"], campaign / "t.pdf", {"l-1": "4"}, fields={"lc_token": "AAAA-BBBB"})
    _refused(
        campaign,
        token,
        'field "lc_token": the code is not one this workspace issued (was it changed?); send the rater a '
        "new form with `leadcheck remind`",
    )


def test_a_radio_value_outside_its_choices_is_refused(campaign: Path, tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject

    writer = PdfWriter(clone_from=PdfReader(campaign / "out" / FORMS["jo"]))
    for ref in writer._root_object["/AcroForm"]["/Fields"]:  # type: ignore[index]
        field = ref.get_object()
        if field.get("/T") == "item:l-1":
            field[NameObject("/V")] = NameObject("/9")
    target = tmp_path / "odd.pdf"
    with target.open("wb") as f:
        writer.write(f)
    _refused(campaign, target, f'field "item:l-1": holds an answer that is not one of its choices; {RESEND}')


def test_unfilled_unreadable_and_flattened_forms_are_refused(campaign: Path) -> None:
    blank = campaign / "out" / FORMS["jo"]
    _refused(
        campaign,
        blank,
        "the form has no answers: it was sent back blank, or saved before it was filled in; ask the rater "
        "to fill it in, save it and send it again",
    )
    cut = campaign / "cut.pdf"
    cut.write_bytes(blank.read_bytes()[:2000])
    _refused(campaign, cut, f"the PDF is damaged, unreadable or password-protected; {RESEND}")
    text = campaign / "notes.pdf"
    text.write_text("my answers: 4 4 5", encoding="utf-8")
    _refused(campaign, text, f"not a PDF file; expected a leadcheck questionnaire as sent; {RESEND}")
    flat = campaign / "flat.pdf"
    doc = pymupdf.open(blank)
    doc.bake()  # what "Print to PDF" does: the fields become page content
    doc.save(flat)
    _refused(
        campaign,
        flat,
        "not a leadcheck questionnaire, or its form fields were removed (printing to PDF or flattening "
        f"removes them); {RESEND}",
    )


def test_a_form_from_another_workspace_is_refused(campaign: Path, tmp_path: Path) -> None:
    filled = fill(campaign / "out" / FORMS["jo"], tmp_path / "jo.pdf", {"l-1": "4"})
    other = tmp_path / "other"
    other.mkdir()
    (other / "roster.csv").write_text(ROSTER, encoding="utf-8")
    assert lc(other, "raters", "import", other / "roster.csv", "--instrument", MINI_360).exit_code == 0
    done = lc(other, "import", filled)
    assert done.exit_code == 1
    assert done.stderr.startswith(
        f'{filled}: field "lc_workspace": this form was sent from another workspace, not '
    )


def test_a_removed_raters_form_is_refused_and_their_name_forgotten(campaign: Path) -> None:
    filled = fill(campaign / "out" / FORMS["jo"], campaign / "jo.pdf", {"l-1": "4"})
    done = lc(campaign, "raters", "remove", "Ana Ruiz", "JO@example.org")
    assert done.stdout == 'Removed a rater (peer) from the roster of "Ana Ruiz".\n'
    assert b"Jo Peer" not in snapshot(campaign) and b"jo@example.org" not in snapshot(campaign)
    _refused(
        campaign,
        filled,
        'field "lc_token": this rater was removed from the roster of "Ana Ruiz"; their form is not imported '
        "(add them again with `leadcheck raters add` and send a new form to count their answers)",
    )
    missing = lc(campaign, "raters", "remove", "Ana Ruiz", "jo@example.org")
    assert missing.exit_code == 1
    assert "example.org" not in missing.stderr


def test_a_form_for_an_earlier_round_is_refused(campaign: Path) -> None:
    filled = fill(campaign / "out" / FORMS["jo"], campaign / "jo.pdf", {"l-1": "4"})
    with Store.open(campaign / "workspace.db", create=False) as store:
        leader = store.leaders.get("Ana Ruiz")
        store.assessments.current_or_new(
            leader, store.assessments.instrument(store.assessments.current(leader)), new=True
        )
    _refused(
        campaign,
        filled,
        'field "lc_token": this form is for an earlier assessment round of "Ana Ruiz" (mini 1.0.0); send the '
        "rater a form for the current round with `leadcheck remind`",
    )


# -- invitations, reminders, status --------------------------------------------------------------------


def _parse(path: Path) -> email.message.EmailMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, email.message.EmailMessage)
    return message


def test_each_rater_gets_an_eml_with_the_form_attached_and_the_due_date(campaign: Path) -> None:
    message = _parse(campaign / "out" / "ana-ruiz-peer-1.eml")
    assert message["To"] == "Jo Peer <jo@example.org>"
    assert message["From"] == SENDER
    assert message["Subject"] == "Your feedback for Ana Ruiz, by Friday 14 March 2031"
    assert message["X-Unsent"] == "1"
    body = message.get_body(("plain",))
    assert body is not None
    text = body.get_content().replace("\r\n", "\n")  # .eml files end lines with CRLF, as mail does
    assert text.startswith("Hello Jo Peer,\n\nAna Ruiz is taking part")
    assert "as one of their peers" in text and "by Friday 14 March 2031" in text and "Cory Coach" in text
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "360-feedback-ana-ruiz.pdf"
    assert attachment.get_content() == (campaign / "out" / FORMS["jo"]).read_bytes()
    assert _parse(campaign / "out" / "ana-ruiz-self-4.eml")["Subject"] == (
        "Your self-assessment, by Friday 14 March 2031"
    )


def test_a_coachs_template_is_used_and_names_are_never_interpreted(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "mail.txt").write_text(
        "Subject: 360 for $leader\n\nDear ${rater_name}, due $due_date. Costs $$0.\n", encoding="utf-8"
    )
    assert (
        cli(
            "raters",
            "add",
            "Ann {{ 7*7 }} $leader",
            "--email",
            "x@example.org",
            "--name",
            "Zed $due_date {x}",
            "--as",
            "peer",
            "--instrument",
            str(MINI_360),
        ).exit_code
        == 0
    )
    done = cli("invite", "-o", "out", "--from", SENDER, "--template", "mail.txt")
    assert done.exit_code == 0, done.stderr
    (eml,) = (tmp_path / "out").glob("*.eml")
    message = _parse(eml)
    assert message["Subject"] == "360 for Ann {{ 7*7 }} $leader"
    body = message.get_body(("plain",))
    assert body is not None
    assert (
        body.get_content().replace("\r\n", "\n")
        == "Dear Zed $due_date {x}, due as soon as you can. Costs $0.\n"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Hello $name\n", "mail.txt:2: unknown placeholder $name; expected one of: "),
        (
            "Subject: x\n\nPay $5 now\n",
            "mail.txt:2: a $ that starts no placeholder; write $$ for a dollar sign",
        ),
    ],
)
def test_template_mistakes_are_one_clear_error(cli: Cli, tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "mail.txt").write_text(text, encoding="utf-8")
    assert (
        cli(
            "raters", "add", "Ana", "--email", "x@example.org", "--as", "peer", "--instrument", str(MINI_360)
        ).exit_code
        == 0
    )
    done = cli("invite", "-o", "out", "--from", SENDER, "--template", "mail.txt")
    assert done.exit_code == 2
    assert done.stderr.startswith(f"error: {message}")
    assert not (tmp_path / "out").exists()


def test_remind_writes_fresh_forms_for_outstanding_raters_only(campaign: Path) -> None:
    files = _return_all(campaign)
    assert lc(campaign, "import", *files).exit_code == 0
    done = lc(campaign, "remind", "-o", campaign / "later", "--from", SENDER)
    assert done.exit_code == 0, done.stderr
    stem = f"ana-ruiz-self-4-reminder-{date.today():%Y%m%d}"
    assert sorted(p.name for p in (campaign / "later").iterdir()) == [f"{stem}.eml", f"{stem}.pdf"]
    message = _parse(campaign / "later" / f"{stem}.eml")
    assert message["Subject"] == "Reminder: your self-assessment, by Friday 14 March 2031"
    # Both the first form and the reminder's count, once, for the same rater.
    first = fill(campaign / "out" / FORMS["ana"], campaign / "a1.pdf", {"l-1": "5"})
    second = fill(campaign / "later" / f"{stem}.pdf", campaign / "a2.pdf", {"l-1": "4"})
    assert "Added 1" in lc(campaign, "import", first).stdout
    assert "replaced 1" in lc(campaign, "import", second).stdout
    assert lc(campaign, "remind", "-o", campaign / "later", "--from", SENDER).stdout == (
        "Nobody to remind: every invited rater has returned their form.\n"
    )


def test_status_counts_forms_per_group_against_threshold_and_due_date(campaign: Path) -> None:
    fill(campaign / "out" / FORMS["jo"], campaign / "jo.pdf", {"l-1": "4"})
    assert lc(campaign, "import", campaign / "jo.pdf").exit_code == 0
    assert (
        lc(campaign, "raters", "add", "Ana Ruiz", "--email", "new@example.org", "--as", "peer").exit_code == 0
    )
    doc = json.loads(lc(campaign, "status", "--json").stdout)
    (ana,) = doc
    assert ana["campaign"] == [
        {"group": "self", "nominated": 0, "invited": 1, "returned": 0, "outstanding": 1, "threshold": 1,
         "below_threshold": True, "due_date": "2031-03-14", "overdue": False},
        {"group": "manager", "nominated": 0, "invited": 1, "returned": 0, "outstanding": 1, "threshold": 1,
         "below_threshold": True, "due_date": "2031-03-14", "overdue": False},
        {"group": "peer", "nominated": 1, "invited": 2, "returned": 1, "outstanding": 1, "threshold": 2,
         "below_threshold": True, "due_date": "2031-03-14", "overdue": False},
    ]  # fmt: skip
    text = lc(campaign, "status").stdout
    assert "Rater forms" in text
    assert any(
        line.split()
        == ["peer", "2", "1", "1", "2", "2031-03-14", "1", "not", "invited", "yet,", "1", "more", "needed"]
        for line in text.splitlines()
    )
    assert "Jo Peer" not in text and "example.org" not in text


def test_purge_helpers_delete_a_leaders_roster_or_old_raters(campaign: Path) -> None:
    with Store.open(campaign / "workspace.db", create=False) as store:
        assert store.roster.delete_older_than("2000-01-01") == 0
        leader = store.leaders.get("Ana Ruiz")
        assert store.roster.delete_leader(leader.id) == 4
        assert store.conn.execute("SELECT COUNT(*) FROM campaign_tokens").fetchone()[0] == 0
        assert roster.roster(store, include_removed=True) == []


def test_invite_without_nominated_raters_says_what_to_do(campaign: Path) -> None:
    done = lc(campaign, "invite", "-o", campaign / "again", "--from", SENDER)
    assert done.stdout == (
        "Nobody to invite: no rater on the roster is waiting for a form (4 already invited: remind them "
        "with `leadcheck remind`).\n"
    )
    bad = lc(campaign, "invite", "-o", campaign / "again", "--from", "coach", "--due", "soon")
    assert bad.exit_code == 2
    assert (
        bad.stderr
        == 'error: --from "coach" is not an email address; expected "Your Name <you@example.org>"\n'
    )


# -- sending through a real SMTP server on loopback ----------------------------------------------------


class _Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[_Inbox, int]]:
    import socket

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"coach", b"s3cret")
        return AuthResult(success=ok)

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=port, authenticator=authenticate, auth_require_tls=False
    )
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_invite_sends_every_email_through_smtp_with_the_password_from_the_environment(
    invited: Path, tmp_path: Path, smtp_server: tuple[_Inbox, int]
) -> None:
    inbox, port = smtp_server
    shutil.copy2(invited / "roster.csv", tmp_path / "roster.csv")
    assert lc(tmp_path, "raters", "import", tmp_path / "roster.csv", "--instrument", MINI_360).exit_code == 0
    done = lc(
        tmp_path, "invite", "-o", tmp_path / "out", "--from", SENDER, "--smtp", f"127.0.0.1:{port}",
        "--smtp-user", "coach", env={"LEADCHECK_SMTP_PASSWORD": "s3cret"},
    )  # fmt: skip
    assert done.exit_code == 0, done.stderr
    assert done.stdout.endswith(f"Sent 4 emails through 127.0.0.1:{port}.\n")
    assert sorted(rcpt for _, (rcpt,), _ in inbox.messages) == [
        "ana@example.org",
        "jo@example.org",
        "kim@example.org",
        "max@example.org",
    ]
    for sender, (rcpt,), data in inbox.messages:
        assert sender == "coach@example.org"
        message = email.message_from_bytes(data, policy=email.policy.default)
        assert isinstance(message, email.message.EmailMessage)
        assert message["X-Unsent"] is None  # only the saved drafts carry it
        (attachment,) = list(message.iter_attachments())
        saved = _parse(next(p for p in (tmp_path / "out").glob("*.eml") if rcpt in p.read_text()))
        (saved_attachment,) = list(saved.iter_attachments())
        assert attachment.get_content() == saved_attachment.get_content()
        assert attachment.get_content().startswith(b"%PDF-")


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_a_wrong_password_fails_before_anything_is_written(
    invited: Path, tmp_path: Path, smtp_server: tuple[_Inbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    from leadcheck.campaign import invitations

    # aiosmtpd answers a refused login by going quiet: wait 2 s for it, not the default 30.
    monkeypatch.setattr(invitations, "SMTP_TIMEOUT", 2.0)
    inbox, port = smtp_server
    shutil.copy2(invited / "roster.csv", tmp_path / "roster.csv")
    assert lc(tmp_path, "raters", "import", tmp_path / "roster.csv", "--instrument", MINI_360).exit_code == 0
    before = snapshot(tmp_path)
    done = lc(
        tmp_path, "invite", "-o", tmp_path / "out", "--from", SENDER, "--smtp", f"127.0.0.1:{port}",
        "--smtp-user", "coach", env={"LEADCHECK_SMTP_PASSWORD": "wrong"},
    )  # fmt: skip
    assert done.exit_code == 1
    assert done.stderr == (
        f"error: the mail server 127.0.0.1:{port} refused the user name or password; check --smtp-user and "
        "$LEADCHECK_SMTP_PASSWORD\n"
    )
    assert "wrong" not in done.stderr
    assert not (tmp_path / "out").exists() and snapshot(tmp_path) == before and not inbox.messages


def test_a_server_on_the_network_must_offer_starttls(
    invited: Path, tmp_path: Path, smtp_server: tuple[_Inbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    from leadcheck.campaign import invitations

    inbox, port = smtp_server
    # The loopback server stands in for one across the network: it offers no STARTTLS.
    monkeypatch.setattr(invitations, "is_local", lambda host: False)
    shutil.copy2(invited / "roster.csv", tmp_path / "roster.csv")
    assert lc(tmp_path, "raters", "import", tmp_path / "roster.csv", "--instrument", MINI_360).exit_code == 0
    done = lc(tmp_path, "invite", "-o", tmp_path / "out", "--from", SENDER, "--smtp", f"127.0.0.1:{port}")
    assert done.exit_code == 1
    assert done.stderr == (
        f"error: the mail server 127.0.0.1:{port} does not offer STARTTLS; leadcheck does not send forms "
        "unencrypted over a network: use the server's submission port (usually 587)\n"
    )
    assert not inbox.messages


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("localhost", ("localhost", 25, True)),
        ("127.0.0.1:2525", ("127.0.0.1", 2525, True)),
        ("[::1]:26", ("::1", 26, True)),
        ("smtp.example.org", ("smtp.example.org", 587, False)),
        ("smtp.example.org:465", ("smtp.example.org", 465, False)),
        ("10.0.0.5", ("10.0.0.5", 587, False)),
    ],
)
def test_smtp_host_port_and_what_counts_as_local(given: str, expected: tuple[str, int, bool]) -> None:
    from leadcheck.campaign.invitations import is_local, parse_server

    host, port = parse_server(given)
    assert (host, port, is_local(host)) == expected


@pytest.mark.parametrize("given", ["smtp.example.org:0", "smtp.example.org:99999", "a b", "host:port", ""])
def test_a_bad_smtp_server_is_a_usage_error(given: str) -> None:
    from leadcheck.base.errors import UsageError
    from leadcheck.campaign.invitations import parse_server

    with pytest.raises(UsageError, match="is not HOST\\[:PORT\\]"):
        parse_server(given)


def test_personalising_writes_the_token_in_place_and_refuses_anything_else(campaign: Path) -> None:
    from leadcheck.campaign import forms

    template = (campaign / "out" / FORMS["jo"]).read_bytes()
    with pytest.raises(ValueError, match="not a rendered questionnaire"):
        forms.personalise(template, roster.new_token())  # already personalised: no slot left
    slot_form = template.replace(
        b"/V (" + widgets(campaign / "out" / FORMS["jo"])["lc_token"][0][3].encode() + b")", forms.TOKEN_SLOT
    )
    for bad in ("short", "AAAA-BBBB-CCCC-DDDD-EEEE-FF)(", "A" * 30):
        with pytest.raises(ValueError, match="a token is 29"):
            forms.personalise(slot_form, bad)
    token = roster.new_token()
    mine = forms.personalise(slot_form, token)
    assert len(mine) == len(slot_form)
    target = campaign / "mine.pdf"
    target.write_bytes(mine)
    assert widgets(target)["lc_token"][0][3] == token


@pytest.mark.parametrize(
    "address",
    ["a,b@example.org", "x@example.org; y@example.org", "Jo <jo@example.org>", "jo@localhost", "@example.org",
     "jo@", "jo@@example.org", '"jo"@example.org', "jo@exa mple.org"],
)  # fmt: skip
def test_an_email_cell_is_one_plain_address(address: str) -> None:
    assert roster.email_problem(address) == (
        "the email address is not valid; expected one address such as name@example.org"
    )
    assert roster.email_problem("jo.park+360@mail.example.org") is None


def test_invite_never_overwrites_forms_and_refuses_a_past_due_date(campaign: Path) -> None:
    assert (
        lc(campaign, "raters", "add", "Ana Ruiz", "--email", "new@example.org", "--as", "peer").exit_code == 0
    )
    with Store.open(campaign / "workspace.db", create=False) as store:
        (new,) = [r for r in roster.roster(store) if r.email == "new@example.org"]
    taken = campaign / "out" / f"ana-ruiz-peer-{new.id}.pdf"
    taken.write_bytes(b"another workspace's form")
    before = snapshot(campaign)
    done = lc(campaign, "invite", "-o", campaign / "out", "--from", SENDER)
    assert done.exit_code == 2
    assert done.stderr == (
        f"error: {taken}: already exists (from an earlier run, or another workspace); nothing was written: "
        "choose a new folder with -o\n"
    )
    assert snapshot(campaign) == before and taken.read_bytes() == b"another workspace's form"
    past = lc(campaign, "invite", "-o", campaign / "new", "--from", SENDER, "--due", "2020-01-31")
    assert past.exit_code == 2
    assert (
        past.stderr
        == "error: --due 2020-01-31 is in the past; give the date raters should send their forms by\n"
    )


def test_a_write_failing_midway_leaves_no_file_token_or_state_behind(
    invited: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from leadcheck.base.errors import CampaignError
    from leadcheck.campaign import issue

    shutil.copy2(invited / "roster.csv", tmp_path / "roster.csv")
    assert lc(tmp_path, "raters", "import", tmp_path / "roster.csv", "--instrument", MINI_360).exit_code == 0
    before = snapshot(tmp_path)
    real = issue._write
    calls: list[Path] = []

    def failing(path: Path, data: bytes) -> None:
        calls.append(path)
        if len(calls) == 5:
            raise CampaignError(f"cannot write {path}: No space left on device")
        real(path, data)

    monkeypatch.setattr(issue, "_write", failing)
    done = lc(tmp_path, "invite", "-o", tmp_path / "out", "--from", SENDER)
    assert done.exit_code == 1
    assert done.stderr == f"error: cannot write {calls[-1]}: No space left on device\n"
    assert list((tmp_path / "out").iterdir()) == []
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("columns", ["80", "100"])
def test_roster_and_status_never_break_a_date_or_an_email(campaign: Path, columns: str) -> None:
    assert (
        lc(
            campaign,
            *("raters", "add", "Ana Ruiz", "--email", "bartholomew.fitzgerald-smythe@example-company.org"),
            *("--as", "peer", "--name", "Bartholomew Fitzgerald-Smythe"),
        ).exit_code
        == 0
    )
    emails = [r["email"] for r in json.loads(lc(campaign, "raters", "list", "--json").stdout)]
    for args in (["raters", "list"], ["status"], ["status", "Ana Ruiz"]):
        text = lc(campaign, *args, env={"COLUMNS": columns}).stdout
        lines = text.splitlines()
        assert all(len(line) <= int(columns) for line in lines), args
        assert "…" not in text, args
        for day in re.findall(r"20\d\d-\d\d(?:-\d\d)?", text):
            assert re.fullmatch(r"20\d\d-\d\d-\d\d", day), (args, day)  # never cut to 2031-03…
        if args == ["raters", "list"]:
            assert all(sum(email in line for line in lines) == 1 for email in emails), text


def test_remind_shows_progress_on_a_terminal_and_nothing_more_in_a_pipe(campaign: Path) -> None:
    piped = lc(
        campaign, "remind", "Ana Ruiz", "-o", campaign / "piped", "--from", SENDER, "--due", "2031-04-01"
    )
    assert piped.exit_code == 0 and piped.stderr == ""  # a log or a pipe: the usual output only
    shown = lc(
        campaign,
        *("remind", "Ana Ruiz", "-o", campaign / "shown", "--from", SENDER, "--due", "2031-04-02"),
        env={"FORCE_COLOR": "1", "TTY_COMPATIBLE": "1"},
    )
    assert shown.exit_code == 0, shown.stderr
    assert "Reminders" in shown.stderr and "4/4" in shown.stderr  # the bar, one step per form
