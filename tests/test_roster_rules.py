"""One rule for names and addresses at the roster, emails no name can add a recipient to (checked by two
independent parsers), SMTP failures that name who was not sent to, and interrupted invitations."""

from __future__ import annotations

import email
import email.policy
import email.utils
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from leadcheck.campaign import roster
from leadcheck.campaign.invitations import Invitation, build_message, builtin_template
from leadcheck.store import Store

from .conftest import MINI_360
from .test_campaign import SENDER, lc

EVE = "=?utf-8?q?Eve_=3Cboss=40x=2Ecom=3E?="


def _recipients(raw: bytes) -> list[tuple[str, str]]:
    """The To addresses as two independent parsers read them: the stdlib's modern parser, and
    getaddresses on the raw header line (unfolded by hand, never decoded); both must agree."""
    modern = email.message_from_bytes(raw, policy=email.policy.default)
    parsed = [(_utf8(a.display_name), _utf8(a.addr_spec)) for a in modern["To"].addresses]
    head = raw.split(b"\r\n\r\n", 1)[0].decode("utf-8").replace("\r\n ", " ").replace("\r\n\t", " ")
    (raw_to,) = [line[3:] for line in head.split("\r\n") if line.lower().startswith("to:")]
    plain = email.utils.getaddresses([raw_to])
    assert [a for _, a in plain] == [a for _, a in parsed], (plain, parsed)
    return parsed


def _utf8(text: str) -> str:
    """Header text as UTF-8 (RFC 6532): the stdlib's byte parsers keep 8-bit bytes as surrogates."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8")


def _roster(folder: Path, rows: str) -> Path:
    path = folder / "roster.csv"
    path.write_text("Leader,Name,Email,Group\n" + rows, encoding="utf-8")
    return path


def _states(folder: Path) -> dict[str, str]:
    with Store.open(folder / "workspace.db", create=False) as store:
        return {r.email: r.state for r in roster.roster(store)}


# -- names ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("Jo \u202ePeer", "the rater's name holds U+202E RIGHT-TO-LEFT OVERRIDE, which changes how the name "
         "is shown or imitates ordinary letters; type the name with ordinary characters"),
        ("Jo \x1b]0;x\x07", "the rater's name holds a line break, tab or other control character; expected a "
         "name on one line"),
        (EVE, "the rater's name holds an email encoded-word (=?charset?Q?...?=), which mail programs would "
         "decode into other text; type the name as it should read"),
    ],
)  # fmt: skip
def test_rater_names_follow_the_rule_of_every_name(tmp_path: Path, cell: str, message: str) -> None:
    path = _roster(tmp_path, f'Ana Ruiz,"{cell}",jo@example.org,peer\n')
    done = lc(tmp_path, "raters", "import", path, "--instrument", MINI_360)
    assert done.exit_code == 1
    assert done.stderr == f'{path}:2: column "name": {message}\n1 problem found. Nothing was written.\n'
    assert not (tmp_path / "workspace.db").exists()


def test_leader_and_cohort_names_follow_the_same_rule(tmp_path: Path) -> None:
    path = _roster(tmp_path, "Ana \u202eRuiz,Jo,jo@example.org,peer\n")
    done = lc(tmp_path, "raters", "import", path, "--instrument", MINI_360)
    assert done.stderr.splitlines()[0] == (
        f'{path}:2: column "leader": leader name "Ana \\u202eRuiz" holds U+202E RIGHT-TO-LEFT OVERRIDE, which '
        "changes how the name is shown or imitates ordinary letters; type the name with ordinary characters; "
        "correct it in the file"
    )
    path = _roster(tmp_path, "Ana Ruiz,Jo,jo@example.org,peer\n")
    done = lc(tmp_path, "raters", "import", path, "--instrument", MINI_360, "--cohort", "spring\x1b[2J\n")
    assert done.exit_code == 1
    assert done.stderr == (
        'error: cohort name "spring\\u001b[2J\\n" holds a line break, tab or other control character; '
        "expected a name on one line\n"
    )
    with Store.open(tmp_path / "workspace.db", create=False) as store:
        assert store.leaders.every() == [] and roster.roster(store) == []


def test_one_self_rater_per_leader(tmp_path: Path) -> None:
    path = _roster(tmp_path, "Ana Ruiz,Ana,ana@example.org,self\nAna Ruiz,Ana Too,ana2@example.org,self\n")
    done = lc(tmp_path, "raters", "import", path, "--instrument", MINI_360)
    assert done.exit_code == 1
    assert done.stderr == (
        f'{path}:3: column "group": this leader already has a self rater (at line 2); a leader rates themself '
        "once: nominate them in another group\n1 problem found. Nothing was written.\n"
    )
    assert lc(tmp_path, "raters", "add", "Ana Ruiz", "--email", "ana@example.org", "--as", "self",
              "--instrument", MINI_360).exit_code == 0  # fmt: skip
    again = lc(tmp_path, "raters", "add", "Ana Ruiz", "--email", "other@example.org", "--as", "self")
    assert again.exit_code == 2
    assert again.stderr == (
        "error: --as: this leader already has a self rater on the roster; a leader rates themself once: "
        "nominate them in another group, or remove the other first (leadcheck raters remove)\n"
    )
    same = lc(tmp_path, "raters", "add", "Ana Ruiz", "--email", "ANA@example.org", "--as", "self")
    assert same.stdout == 'This rater is already on the roster of "Ana Ruiz"; nothing changed.\n'


# -- addresses and the emails built for them ---------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "stored", "wire", "utf8"),
    [
        ("jo@example.org", "jo@example.org", "jo@example.org", False),
        ("jo@EXAMPLE.org", "jo@example.org", "jo@example.org", False),
        ("a@exämple.de", "a@exämple.de", "a@xn--exmple-cua.de", False),
        ("jörg@exämple.de", "jörg@exämple.de", "jörg@xn--exmple-cua.de", True),
    ],
)
def test_an_address_is_ascii_with_an_idna_domain_or_needs_smtputf8(
    given: str, stored: str, wire: str, utf8: bool
) -> None:
    assert roster.email_problem(given) is None
    assert roster.normal_email(given) == stored
    assert roster.wire_address(stored) == roster.WireAddress(wire, utf8)


@pytest.mark.parametrize(
    "address", ["jo@exa_mple.org", "jo@-example.org", "jo\u200b@example.org", "jo@[127.0.0.1]"]
)
def test_addresses_outside_rfc_5322_are_refused_without_quoting_them(address: str) -> None:
    assert roster.email_problem(address) == (
        "the email address is not valid; expected one address such as name@example.org"
    )


@pytest.mark.parametrize(
    "name",
    [EVE, "Eve <boss@x.com>", 'Eve "x", boss@x.com', "Ëve; boss@x.com", "Eve\r\nBcc: boss@x.com", "x" * 150],
)
def test_no_display_name_adds_a_recipient(name: str) -> None:
    """Even a name written before the roster refused encoded-words stays one display name."""
    invitation = Invitation(name, "eve@example.org", "Ana Ruiz", "Peers", None, "form.pdf", b"%PDF-1.7")
    message = build_message(invitation, builtin_template("invitation", False), SENDER)
    raw = bytes(message)
    ((display, address),) = _recipients(raw)
    assert address == "eve@example.org"
    assert display == " ".join(name.split())
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))


def test_invite_writes_emails_every_parser_reads_with_one_recipient(tmp_path: Path) -> None:
    path = _roster(
        tmp_path,
        "Ana Ruiz,Jörg Straße,jörg@exämple.de,peer\n"
        'Ana Ruiz,"O\'Neil, Sam",sam+360@exämple.de,peer\n'
        "Ana Ruiz,Ана Руис,ana@example.org,self\n",
    )
    assert lc(tmp_path, "raters", "import", path, "--instrument", MINI_360).exit_code == 0
    done = lc(tmp_path, "invite", "-o", tmp_path / "out", "--from", SENDER)
    assert done.exit_code == 0, done.stderr
    found = sorted(_recipients(p.read_bytes())[0] for p in (tmp_path / "out").glob("*.eml"))
    assert found == sorted(
        [
            ("O'Neil, Sam", "sam+360@xn--exmple-cua.de"),
            ("Ана Руис", "ana@example.org"),
            ("Jörg Straße", "jörg@xn--exmple-cua.de"),
        ]
    )
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        f"ana-ruiz-{g}-{n}.{ext}"
        for g, n in (("peer", 1), ("peer", 2), ("self", 3))
        for ext in ("eml", "pdf")
    ]


# -- sending ---------------------------------------------------------------------------------------


class _Inbox:
    """Keeps every message; refuses the recipients in ``refuse``."""

    def __init__(self, refuse: tuple[str, ...] = ()) -> None:
        self.refuse = refuse
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refuse:
            return "550 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"


@pytest.fixture
def mail_server(request: pytest.FixtureRequest) -> Iterator[tuple[_Inbox, int]]:
    from aiosmtpd.controller import Controller

    refuse, utf8 = getattr(request, "param", ((), False))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = _Inbox(refuse)
    controller = Controller(inbox, hostname="127.0.0.1", port=port, enable_SMTPUTF8=utf8)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


ROWS = (
    "Ana Ruiz,Jo Peer,jo@example.org,peer\n"
    "Ana Ruiz,Kim Peer,kim@example.org,peer\n"
    "Ana Ruiz,Max Boss,max@example.org,manager\n"
)


@pytest.mark.parametrize("mail_server", [(("kim@example.org",), False)], indirect=True)
def test_a_refused_recipient_is_named_and_back_on_the_roster_as_before(
    tmp_path: Path, mail_server: tuple[_Inbox, int]
) -> None:
    inbox, port = mail_server
    assert lc(tmp_path, "raters", "import", _roster(tmp_path, ROWS), "--instrument", MINI_360).exit_code == 0
    smtp = f"127.0.0.1:{port}"
    done = lc(tmp_path, "invite", "-o", tmp_path / "out", "--from", SENDER, "--smtp", smtp)
    assert done.exit_code == 1
    assert done.stderr == (
        "error: 1 of 3 emails not sent (ana-ruiz-peer-2.eml: the server refused a recipient's address); 2 sent. "
        "Not sent: ana-ruiz-peer-2.eml. These raters are nominated on the roster again and their forms were "
        "removed: run the same command again to send them\n"
    )
    assert sorted(rcpt for _, (rcpt,), _ in inbox.messages) == ["jo@example.org", "max@example.org"]
    shown = done.stdout[done.stdout.index("Not reached (for the coach only)") :]
    assert "Kim Peer" in shown and "kim@example.org" in shown and "Jo Peer" not in shown
    assert _states(tmp_path) == {
        "jo@example.org": "invited",
        "kim@example.org": "nominated",
        "max@example.org": "invited",
    }
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "ana-ruiz-manager-3.eml", "ana-ruiz-manager-3.pdf", "ana-ruiz-peer-1.eml", "ana-ruiz-peer-1.pdf"
    ]  # fmt: skip
    with sqlite3.connect(tmp_path / "workspace.db") as conn:
        assert conn.execute("SELECT rater_id FROM campaign_tokens ORDER BY rater_id").fetchall() == [
            (1,),
            (3,),
        ]
    inbox.refuse = ()
    again = lc(tmp_path, "invite", "-o", tmp_path / "out", "--from", SENDER, "--smtp", smtp)
    assert again.exit_code == 0, again.stderr
    assert again.stdout.endswith(f"Sent 1 email through {smtp}.\n")
    assert set(_states(tmp_path).values()) == {"invited"}


@pytest.mark.parametrize("mail_server", [((), False)], indirect=True)
def test_a_server_without_smtputf8_refuses_before_anything_is_written(
    tmp_path: Path, mail_server: tuple[_Inbox, int]
) -> None:
    inbox, port = mail_server
    path = _roster(tmp_path, ROWS + "Ana Ruiz,Jörg,jörg@exämple.de,peer\n")
    assert lc(tmp_path, "raters", "import", path, "--instrument", MINI_360).exit_code == 0
    done = lc(tmp_path, "invite", "-o", tmp_path / "out", "--from", SENDER, "--smtp", f"127.0.0.1:{port}")
    assert done.exit_code == 1
    assert done.stderr == (
        f"error: the mail server 127.0.0.1:{port} does not offer SMTPUTF8, which an address not ASCII before "
        'the @ needs: "Ana Ruiz" peer #4 (leader, group, roster number); nothing was written: ask for an '
        "ASCII address, or invite without --smtp and send the .eml drafts from your mail program\n"
    )
    assert not (tmp_path / "out").exists() and not inbox.messages
    assert set(_states(tmp_path).values()) == {"nominated"}
    assert done.stdout.startswith("Not reached (for the coach only)") and "Jörg" in done.stdout


@pytest.mark.parametrize("mail_server", [((), True)], indirect=True)
def test_a_server_with_smtputf8_gets_the_address_as_written_and_the_domain_as_idna(
    tmp_path: Path, mail_server: tuple[_Inbox, int]
) -> None:
    inbox, port = mail_server
    path = _roster(tmp_path, "Ana Ruiz,Jörg,jörg@exämple.de,peer\nAna Ruiz,Al,al@exämple.de,peer\n")
    assert lc(tmp_path, "raters", "import", path, "--instrument", MINI_360).exit_code == 0
    done = lc(tmp_path, "invite", "-o", tmp_path / "out", "--from", SENDER, "--smtp", f"127.0.0.1:{port}")
    assert done.exit_code == 0, done.stderr
    assert sorted(rcpt for _, (rcpt,), _ in inbox.messages) == [
        "al@xn--exmple-cua.de",
        "jörg@xn--exmple-cua.de",
    ]
    for _, (rcpt,), data in inbox.messages:
        assert [a for _, a in _recipients(data)] == [rcpt]


# -- interrupted runs ------------------------------------------------------------------------------

_KILLED = """
import os, sys
from leadcheck.campaign import issue
from leadcheck.cli import main
when = sys.argv.pop(1)
real_publish, real_write = issue._publish, issue._write
writes = []
def publish(staging, out_dir):
    if when == "after-commit":
        os._exit(137)
    real_publish(staging, out_dir)
def write(path, data):
    writes.append(path)
    if when == "before-commit" and len(writes) == 4:
        os._exit(137)
    real_write(path, data)
issue._publish, issue._write = publish, write
main()
"""


@pytest.mark.parametrize("when", ["before-commit", "after-commit"])
def test_a_killed_invite_leaves_disk_agreeing_with_the_roster_and_a_rerun_completes(
    tmp_path: Path, when: str
) -> None:
    assert lc(tmp_path, "raters", "import", _roster(tmp_path, ROWS), "--instrument", MINI_360).exit_code == 0
    db, out = tmp_path / "workspace.db", tmp_path / "out"
    killed = subprocess.run(
        [sys.executable, "-c", _KILLED, when, "--db", str(db), "invite", "-o", str(out), "--from", SENDER],
        capture_output=True,
        check=False,
    )
    assert killed.returncode == 137, killed.stderr
    forms = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert forms == []  # nothing in place yet: staged only
    expected = "invited" if when == "after-commit" else "nominated"
    assert set(_states(tmp_path).values()) == {expected}
    again = lc(tmp_path, "invite", "-o", out, "--from", SENDER)
    assert again.exit_code == 0, again.stderr
    if when == "after-commit":
        assert again.stdout == (
            f"Moved 6 files of an interrupted run into {out}/.\nNobody to invite: no rater on the roster is "
            "waiting for a form (3 already invited: remind them with `leadcheck remind`).\n"
        )
    assert sorted(p.name for p in out.iterdir()) == [
        f"ana-ruiz-{g}-{n}.{ext}"
        for g, n in (("manager", 3), ("peer", 1), ("peer", 2))
        for ext in ("eml", "pdf")
    ]
    assert set(_states(tmp_path).values()) == {"invited"}


# -- scale and capped problem lists ---------------------------------------------------------------


def _queries_to_check(tmp_path: Path, rows: int) -> int:
    """How many SQL statements checking and adding ``rows`` raters of one leader runs."""
    from leadcheck.base.problems import Problems
    from leadcheck.instrument.catalog import load_instrument

    instrument = load_instrument(str(MINI_360))
    nominations = [
        roster.Nomination("Ana Ruiz", f"R {n}", f"r{n}@example.org", "peer", n + 2) for n in range(rows)
    ]
    statements: list[str] = []
    with Store.open(tmp_path / f"q{rows}.db") as store:
        roster.add_nominations(store, nominations[:1], {"Ana Ruiz": instrument})
        store.conn.set_trace_callback(statements.append)
        problems = Problems("r.csv")
        checked = roster.check_nominations(store, nominations, {"Ana Ruiz": instrument}, problems)
        roster.add_nominations(store, checked, {"Ana Ruiz": instrument})
        store.conn.set_trace_callback(None)
    return len([s for s in statements if not s.startswith("INSERT INTO campaign_raters")])


def test_checking_a_roster_reads_each_leaders_raters_once(tmp_path: Path) -> None:
    """Linear in rows: the statements besides one INSERT per new rater do not grow with the rows."""
    assert _queries_to_check(tmp_path, 10) == _queries_to_check(tmp_path, 300)


def test_a_roster_of_problems_prints_the_first_hundred_and_counts_the_rest(tmp_path: Path) -> None:
    path = _roster(tmp_path, "".join(f"Ana Ruiz,R {n},not-an-address,peer\n" for n in range(250)))
    done = lc(tmp_path, "raters", "import", path, "--instrument", MINI_360)
    assert done.exit_code == 1
    lines = done.stderr.splitlines()
    assert len(lines) == 102
    assert lines[99] == (
        f'{path}:101: column "email": the email address is not valid; expected one address such as '
        "name@example.org"
    )
    assert lines[100:] == ["... and 150 more problems", "250 problems found. Nothing was written."]


def test_a_csv_with_thousands_of_extra_columns_prints_a_hundred_problems(tmp_path: Path) -> None:
    columns = [f"x{n}\x1b[2J" for n in range(5000)]
    path = tmp_path / "wide.csv"
    path.write_text(
        "Timestamp,Leader,Relationship,"
        + ",".join(columns)
        + "\n2024-01-02 10:00,Ana,Peer"
        + ",1" * 5000
        + "\n",
        encoding="utf-8",
    )
    done = lc(tmp_path, "import", path, "--instrument", MINI_360)
    assert done.exit_code == 1
    lines = done.stderr.splitlines()
    assert len(lines) == 102 and "\x1b" not in done.stderr
    assert lines[1].startswith(f'{path}:1: column "x0\\x1b[2J": matches no item or question of mini 1.0.0;')
    assert lines[-2:] == ["... and 4901 more problems", "5001 problems found. Nothing was written."]


# -- survey files that change or lie -------------------------------------------------------------


SURVEY = "Timestamp,Leader,Relationship,l-1\n" + "".join(
    f"2024-01-{n % 28 + 1:02d} 10:00,Ana Ruiz,Peer,4\n" for n in range(40)
)


def test_a_csv_replaced_by_a_shorter_one_while_imported_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from leadcheck.importing import csvfile

    path = tmp_path / "survey.csv"
    path.write_text(SURVEY, encoding="utf-8")
    real = csvfile._file_lines
    calls: list[int] = []

    def replaced(file: Path, stamp: tuple[int, int]) -> Iterator[str]:
        calls.append(1)
        if len(calls) == 2:  # checked and counted; now another file of the same size and time
            before = file.stat()
            text = file.read_text(encoding="utf-8")
            head, _, rest = text.partition("\n")
            file.write_text(head + "\n" + rest.replace("\n", " ", 10), encoding="utf-8")
            os.utime(file, ns=(before.st_atime_ns, before.st_mtime_ns))
        return real(file, stamp)

    monkeypatch.setattr(csvfile, "_file_lines", replaced)
    done = lc(tmp_path, "import", path, "--instrument", MINI_360)
    assert done.exit_code == 1
    assert done.stderr == (
        f"error: {path}: the file changed while it was read; import it again\nNothing was written.\n"
    )
    with Store.open(tmp_path / "workspace.db") as store:
        assert store.leaders.every() == []


@pytest.mark.parametrize(
    ("stamp", "message"),
    [
        ("2024-01-02 10:00 GMT+25", "the submission time's zone is more than 14 hours from UTC; expected an "
         "offset such as GMT+2 or -05:00"),
        ("0001-01-01 00:30 GMT+01:00", "the submission time falls outside the calendar (before year 1 or after "
         "9999) in UTC; expected a date of the survey"),
        ("9999-12-31 23:30 GMT-02:00", "the submission time falls outside the calendar (before year 1 or after "
         "9999) in UTC; expected a date of the survey"),
    ],
)  # fmt: skip
def test_timestamps_no_clock_shows_are_refused_with_the_row(tmp_path: Path, stamp: str, message: str) -> None:
    path = tmp_path / "survey.csv"
    path.write_text(SURVEY.replace("2024-01-03 10:00", stamp, 1), encoding="utf-8")
    done = lc(tmp_path, "import", path, "--instrument", MINI_360, "--allow-missing-items")
    assert done.exit_code == 1
    assert done.stderr == (
        f"{path}:1: warning: no column for 3 items of mini 1.0.0 (l-2, d-1, f-1); they count as skipped\n"
        f"{path}:4: {message}\n1 problem found. Nothing was written.\n"
    )


# -- paths that are not files, and odd standard streams -----------------------------------------------


def _leadcheck(
    folder: Path, *args: str | Path, stdin: Any = subprocess.DEVNULL, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    import os

    return subprocess.run(
        [sys.executable, "-m", "leadcheck", "--db", str(folder / "workspace.db"), *map(str, args)],
        stdin=stdin,
        capture_output=True,
        timeout=60,
        check=False,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
    )


@pytest.mark.parametrize(
    ("args", "what"),
    [
        (("invite", "-o", "out", "--from", SENDER, "--template", "{pipe}"), "email template"),
        (("invite", "-o", "out", "--from", SENDER, "--template", "/dev/zero"), "email template"),
        (("raters", "import", "{pipe}"), "CSV file"),
        (("import", "{pipe}"), "file to import"),
        (("report", "Ana Ruiz", "-o", "r.pdf", "--norms", "{pipe}"), "YAML file"),
    ],
)
def test_a_named_pipe_or_device_is_refused_at_once(tmp_path: Path, args: tuple[str, ...], what: str) -> None:
    import os

    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    assert lc(tmp_path, "raters", "import", _roster(tmp_path, ROWS), "--instrument", MINI_360).exit_code == 0
    argv = [a.replace("{pipe}", str(pipe)) for a in args]
    done = _leadcheck(tmp_path, *argv)
    path = argv[-1] if "{pipe}" in args[-1] or args[-1] == "/dev/zero" else str(pipe)
    kind = "a device" if path == "/dev/zero" else "a named pipe"
    assert done.returncode == 2, done.stderr
    tail = "Nothing was written.\n" if args[0] == "import" else ""
    assert done.stderr.decode() == (
        f"error: {path}: is {kind}, not a regular file; expected the {what} as a file on disk\n{tail}"
    )
    assert not (tmp_path / "out").exists() and not (tmp_path / "r.pdf").exists()


def _closed(fd: int) -> Any:
    """A preexec_fn closing ``fd`` in the child, as the shell's ``>&-`` and ``<&-`` do."""
    import os

    return lambda: os.close(fd)


def _responses(folder: Path) -> list[tuple[int, ...]]:
    with sqlite3.connect(folder / "workspace.db") as conn:
        return conn.execute("SELECT id, assessment_id FROM responses").fetchall()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    path = _roster(tmp_path, "Jörg Ruiz,Jö,jo@example.org,peer\n")
    assert (
        lc(tmp_path, "raters", "import", path, "--instrument", MINI_360, "--cohort", "spring").exit_code == 0
    )
    return tmp_path


def test_export_to_a_closed_stdout_is_one_clear_error(workspace: Path) -> None:
    import os

    done = subprocess.run(
        [sys.executable, "-m", "leadcheck", "--db", str(workspace / "workspace.db"), "export", "-o", "-"],
        capture_output=False,
        stderr=subprocess.PIPE,
        preexec_fn=_closed(1),
        timeout=60,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert done.returncode == 1
    assert done.stderr.decode() == (
        "error: standard output is closed; redirect it to a file (> FILE), or give -o FILE\n"
    )


def test_assess_with_stdin_closed_or_endless_refuses_before_a_round_is_made(workspace: Path) -> None:
    import os

    before = _responses(workspace)
    argv = [sys.executable, "-m", "leadcheck", "--db", str(workspace / "workspace.db"), "assess", "Jörg Ruiz"]
    env = {**os.environ, "NO_COLOR": "1"}
    closed = subprocess.run(
        argv,
        capture_output=True,
        preexec_fn=_closed(0),
        timeout=60,
        check=False,
        env=env,
    )
    assert closed.returncode == 2
    assert closed.stderr.decode() == (
        "error: standard input is closed; answers are read from it: run the command in a terminal, or pipe "
        "the answers in, one per line\n"
    )
    with Path("/dev/zero").open("rb") as zero:
        endless = subprocess.run(argv, stdin=zero, capture_output=True, timeout=60, check=False, env=env)
    assert endless.returncode == 2
    assert endless.stderr.decode() == (
        "error: standard input sent a line longer than 65536 characters (or no line break); expected one "
        "answer per line\n"
    )
    assert _responses(workspace) == before
    with sqlite3.connect(workspace / "workspace.db") as conn:
        assert conn.execute("SELECT count(*) FROM assessments").fetchone() == (1,)  # the roster's only


@pytest.mark.parametrize(
    "env",
    [{"PYTHONIOENCODING": "ascii"}, {"LC_ALL": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"}],
)
def test_an_ascii_only_terminal_gets_escapes_and_exports_stay_utf8(
    workspace: Path, env: dict[str, str]
) -> None:
    import json

    listed = _leadcheck(workspace, "raters", "list", env=env)
    assert listed.returncode == 0, listed.stderr
    assert b"J\\xf6rg Ruiz" in listed.stdout and listed.stderr == b""
    exported = _leadcheck(workspace, "export", "-o", "-", env=env)
    assert exported.returncode == 0, exported.stderr
    assert [leader["name"] for leader in json.loads(exported.stdout.decode("utf-8"))["leaders"]] == [
        "Jörg Ruiz"
    ]
    answered = _leadcheck(workspace, "assess", "Jörg Ruiz", stdin=subprocess.DEVNULL, env=env)
    assert b"1/4 ########-" in answered.stdout and b"self-assessment of J\\xf6rg Ruiz" in answered.stdout
    assert answered.returncode == 1
    assert answered.stderr == b"\nThe input ended. Saved 0 answers. Run the same command again to resume.\n"


def test_leaders_prints_a_stored_cohorts_escapes_escaped(workspace: Path) -> None:
    with sqlite3.connect(workspace / "workspace.db") as conn:  # as a workspace from before the rule
        conn.execute("UPDATE leaders SET cohort = ?", ("spring\x1b]0;pwned\x07\u202e",))
    done = lc(workspace, "leaders", "--cohort", "spring\x1b]0;pwned\x07\u202e")
    assert done.exit_code == 0, done.stderr
    assert "\x1b" not in done.stdout and "\u202e" not in done.stdout
    assert "spring\\x1b]0;pwned\\x07\\u202e" in done.stdout


def test_a_cohort_in_an_export_file_follows_the_rule_of_every_name(tmp_path: Path) -> None:
    import json

    document = {
        "leadcheck_export": 1,
        "instruments": [],
        "leaders": [{"name": "Ana", "cohort": "spring\x1b]0;x\x07", "assessments": []}],
        "responses": [],
    }
    path = tmp_path / "backup.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    done = lc(tmp_path, "import", path)
    assert done.exit_code == 1
    assert done.stderr.splitlines() == [
        f'{path}: leader 1: cohort name "spring\\u001b]0;x\\u0007" holds a line break, tab or other control '
        "character; expected a name on one line; correct it in the file",
        "1 problem found. Nothing was written.",
    ]


def test_library_warnings_and_log_records_reach_the_terminal_escaped(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import logging
    import warnings

    from leadcheck import cli

    monkeypatch.setattr(warnings, "showwarning", warnings.showwarning)
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])
    cli._escape_library_warnings()
    warnings.showwarning(UserWarning("field \x1b]0;pwned\x07 odd"), UserWarning, "x.py", 1)
    logging.getLogger("pypdf").warning("Unknown field %s", "\u202eevil\x1b[2J")
    assert capsys.readouterr().err == (
        "warning: UserWarning: field \\x1b]0;pwned\\x07 odd\nwarning: Unknown field \\u202eevil\\x1b[2J\n"
    )


# -- the two shared helpers ------------------------------------------------------------------------


def test_printable_escapes_what_a_terminal_would_act_on_and_keeps_every_script() -> None:
    from leadcheck.cli._common import printable

    assert printable("Ана Руис, 王芳, نور\u200c") == "Ана Руис, 王芳, نور\u200c"
    assert printable("a\x1b]0;t\x07b\x9bc\u202ed\u2066e\u200bf\rg") == (
        "a\\x1b]0;t\\x07b\\x9bc\\u202ed\\u2066e\\u200bf\\x0dg"
    )
    assert printable("one\ntwo") == "one\ntwo"
    assert printable("one\ntwo", one_line=True) == "one\\x0atwo"


def test_capped_shows_a_hundred_and_counts_the_rest() -> None:
    from leadcheck.base.problems import capped

    assert capped(list(range(100))) == (list(range(100)), None)
    shown, rest = capped(list(range(102)))
    assert list(shown) == list(range(100)) and rest == "... and 2 more problems"
    assert capped(list(range(4)), limit=3, what="email") == ([0, 1, 2], "... and 1 more email")
