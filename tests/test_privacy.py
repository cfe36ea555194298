"""What the workspace gives away and keeps: releases, drafts, the audit, purge and the key file."""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from leadcheck.base.keys import key_path
from leadcheck.base.responses import IncomingResponse
from leadcheck.importing.policy import add_responses
from leadcheck.instrument.catalog import instrument_from_text
from leadcheck.store import Store

from .conftest import MINI_360, pdftotext

Run = Callable[..., Result]
PRIVATE_REMARK = "Sam's very private remark"
EMAILS = [f"rater{n}@agency.gov" for n in range(6)]


def add(db: Path, rows: list[tuple[str, str, dict[str, int | None], str]]) -> None:
    """(group, email, answers, comment) for the leader Ana."""
    inst = instrument_from_text(MINI_360.read_text(encoding="utf-8"), "mini.yaml")
    incoming = [
        IncomingResponse(
            "Ana", group, answers, {"keep": comment} if comment else {}, f"t:{n}", rater_identity=email
        )
        for n, (group, email, answers, comment) in enumerate(rows)
    ]
    with Store.open(db) as store:
        add_responses(store, incoming, inst)


ALL = {"l-1": 4, "l-2": 2, "d-1": 3, "f-1": 5}


def peers(values: list[int], start: int = 0) -> list[tuple[str, str, dict[str, int | None], str]]:
    return [
        ("peer", EMAILS[start + n], {**ALL, "l-1": v, "d-1": v}, f"comment from peer {start + n}")
        for n, v in enumerate(values)
    ]


def test_a_report_is_recorded_and_a_late_rater_is_held_back(run: Run, db: Path, tmp_path: Path) -> None:
    add(db, [("self", "self", ALL, ""), *peers([2, 3])])
    first = run("report", "Ana", "-o", str(tmp_path / "1.pdf"))
    assert first.exit_code == 0, first.stderr
    with sqlite3.connect(db) as conn:
        digest = conn.execute("SELECT file_digest FROM releases").fetchone()[0]
    assert digest == hashlib.sha256((tmp_path / "1.pdf").read_bytes()).hexdigest()
    add(db, peers([5], start=2))  # one late peer
    before = json.loads(run("summary", "Ana", "--json").stdout)
    second = run("report", "Ana", "-o", str(tmp_path / "2.pdf"))
    assert second.exit_code == 0, second.stderr
    text = " ".join(pdftotext(tmp_path / "2.pdf").split())
    assert "answers that arrived or changed since are held back" in text
    # Said once, on the summary page a reader starts with (and in the appendix), never item by item.
    summary_page = pdftotext(tmp_path / "2.pdf").split("\f")[1]
    assert "Every figure and comment repeats the last release" in " ".join(summary_page.split())
    assert "†" not in text
    assert "comment from peer 2" not in text
    for competency in before["competencies"]:
        assert all(i["others_n"] in (0, 2) for i in competency["items"])
    audit = run("audit", "Ana")
    assert audit.exit_code == 0, audit.stdout
    # The summary shown in between repeated the first release exactly: no row of its own.
    assert "2 reports given" in audit.stdout and "no rater can be singled out" in audit.stdout


def test_a_draft_says_so_on_every_page_and_is_recorded_as_a_release(
    run: Run, db: Path, tmp_path: Path
) -> None:
    add(db, [("self", "self", ALL, ""), *peers([2, 3])])
    result = run("report", "Ana", "-o", str(tmp_path / "d.pdf"), "--draft")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith(f"Wrote {tmp_path / 'd.pdf'} (draft, ")
    pages = pdftotext(tmp_path / "d.pdf").split("\f")
    pages = [p for p in pages if p.strip()]
    assert len(pages) > 3
    assert all("DRAFT" in page for page in pages)
    with sqlite3.connect(db) as conn:
        # A draft shown to anyone could be set against the report that follows: it is a release.
        assert conn.execute("SELECT kind FROM releases").fetchall() == [("draft",)]


def test_the_audit_reports_unguarded_releases(run: Run, db: Path, tmp_path: Path) -> None:
    add(db, [("self", "self", ALL, ""), *peers([2, 3])])
    assert run("report", "Ana", "-o", str(tmp_path / "1.pdf")).exit_code == 0
    add(db, peers([5], start=2))
    # A release made without the ledger's protection (as an older leadcheck did): copy the
    # recorded figures and add the late peer's rating to the first item's peers figure.
    with sqlite3.connect(db) as conn:
        figures = json.loads(conn.execute("SELECT figures FROM releases").fetchone()[0])
        item = figures["items"]["l-1"]
        late = "peer:ffffffffffffffff:0000000000000000"
        for channel in ("peer", "others"):
            item["members"][channel] = [*item["members"][channel], late]
        conn.execute(
            "INSERT INTO releases (assessment_id, released_at, kind, file_digest, figures) "
            "SELECT assessment_id, released_at, kind, 'x', ? FROM releases",
            (json.dumps(figures),),
        )
    result = run("audit", "Ana", "--format", "json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["assessments"][0]["recoverable"] == [
        {
            "where": "item l-1",
            "what": "1 set of answers published by 2 releases can be told apart from the rest with as few as "
            "1 rater, fewer than the group's threshold",
        }
    ]


def test_the_key_is_not_in_the_workspace_file(db: Path, _workspace_keys: Path) -> None:
    add(db, [("self", "self", ALL, ""), *peers([2, 3, 4])])
    with Store.open(db) as store:
        key = key_path(store.workspace_id)
        stored = {row[0] for row in store.conn.execute("SELECT rater_hash FROM responses")}
    assert key.parent == _workspace_keys and key.is_file()
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    secret = bytes.fromhex(key.read_text().strip())
    data = db.read_bytes() + (
        db.with_name(db.name + "-wal").read_bytes() if db.with_name(db.name + "-wal").exists() else b""
    )
    assert secret not in data and secret.hex().encode() not in data
    # Someone holding only the file cannot test guessed emails: without the key no hash matches.
    with sqlite3.connect(db) as conn:
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    for guess_key in [meta.get("workspace_id", "").encode(), b"", db.name.encode()]:
        guesses = {hmac.new(guess_key, e.encode(), hashlib.sha256).hexdigest() for e in EMAILS}
        assert not guesses & stored
    # With the key (the workspace's owner), the same emails are recognised: de-duplication works.
    assert {hmac.new(secret, e.encode(), hashlib.sha256).hexdigest() for e in EMAILS[:3]} <= stored


def test_an_old_workspace_moves_its_key_out(tmp_path: Path, _workspace_keys: Path) -> None:
    db = tmp_path / "old.db"
    old_key = "ab" * 32
    from leadcheck.store import MIGRATIONS

    with sqlite3.connect(db) as conn:
        conn.executescript(MIGRATIONS[0])
        conn.execute("INSERT INTO meta (key, value) VALUES ('rater_key', ?)", (old_key,))
        conn.execute("PRAGMA user_version = 1")
    with Store.open(db) as store:
        assert store.schema_version == len(MIGRATIONS)
        assert key_path(store.workspace_id).read_text().strip() == old_key
        assert (
            store.raters.hash("a@b.c")
            == hmac.new(bytes.fromhex(old_key), b"a@b.c", hashlib.sha256).hexdigest()
        )
    assert old_key.encode() not in db.read_bytes()


def test_a_lost_key_loses_only_deduplication(run: Run, db: Path, tmp_path: Path) -> None:
    add(db, [("self", "self", ALL, ""), *peers([2, 3, 4])])
    with Store.open(db) as store:
        key_path(store.workspace_id).unlink()
    form = tmp_path / "r.yaml"
    form.write_text(
        "leadcheck_response: 1\nleader: Ana\ngroup: peer\ninstrument: mini\nanswers:\n  l-1: 3\n  l-2: 3\n",
        encoding="utf-8",
    )
    result = run("import", str(form), "--instrument", str(MINI_360))
    assert result.exit_code == 0, result.stderr
    assert "warning: the key of this workspace was not found at " in result.stderr
    assert "raters who answered before will not be recognised" in result.stderr
    with Store.open(db) as store:
        assert len(store.responses.of_assessment(store.assessments.current(store.leaders.get("Ana")))) == 5
        assert key_path(store.workspace_id).is_file()
    assert run("key").stdout.endswith("(present)\n")


def test_purge_removes_a_leader_for_good(run: Run, db: Path) -> None:
    add(db, [("self", "self", ALL, ""), *peers([2, 3, 4])])
    inst = instrument_from_text(MINI_360.read_text(encoding="utf-8"), "mini.yaml")
    with Store.open(db) as store:
        add_responses(
            store, [IncomingResponse("Bo", "peer", ALL, {"keep": "Bo stays"}, "b", rater_identity="x")], inst
        )
    assert PRIVATE_REMARK not in db.read_bytes().decode("latin-1")
    add(db, [("peer", "sam@agency.gov", ALL, PRIVATE_REMARK)])
    rostered = run(
        "raters", "add", "Ana", "--email", "nominee@agency.gov", "--as", "peer", "--name", "Nomi Nee"
    )
    assert rostered.exit_code == 0, rostered.stderr
    dry = run("purge", "Ana", "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert dry.stdout.startswith('Would remove leader "Ana": 1 leader, 5 responses with ')
    refused = run("purge", "Ana")  # not a terminal: never purge without --yes
    assert refused.exit_code == 2
    assert "confirm with --yes" in refused.stderr
    done = run("purge", "Ana", "--yes")
    assert done.exit_code == 0, done.stderr
    assert done.stdout.startswith('Removed leader "Ana": 1 leader, 5 responses')
    assert done.stdout.rstrip().endswith("1 rostered rater.")
    for path in (db, db.with_name(db.name + "-wal")):
        if path.exists():
            data = path.read_bytes()
            for secret in (PRIVATE_REMARK, "comment from peer", "nominee@agency.gov", "Nomi Nee"):
                assert secret.encode() not in data, secret
    assert json.loads(run("leaders", "--json").stdout)[0]["name"] == "Bo"
    assert run("purge", "Nobody", "--yes").exit_code == 1


def test_purge_by_date_and_cohort(run: Run, db: Path) -> None:
    add(db, [("self", "self", ALL, ""), *peers([2, 3, 4])])
    assert run("purge", "--before", "2000-01-01", "--yes").stdout.startswith("Nothing to remove")
    assert run("purge", "--before", "3000-01-01", "--dry-run").stdout.startswith(
        "Would remove everything answered or released before 3000-01-01: 1 leader, 4 responses"
    )
    assert run("purge", "--before", "someday").exit_code == 2
    assert run("purge", "--cohort", "nope", "--yes").exit_code == 1
    assert run("purge", "--yes").exit_code == 2  # nothing chosen
    assert run("purge", "--before", "3000-01-01", "--yes").exit_code == 0
    assert json.loads(run("leaders", "--json").stdout) == []


def test_purge_before_a_date_keeps_the_ledger_of_a_round_that_keeps_answers(
    run: Run, db: Path, tmp_path: Path
) -> None:
    """The leader still holds the report: without its record, the next one would give the purged
    answers back by difference. A round left with no answer loses its records."""
    add(db, [("self", "self", ALL, ""), *peers([2, 3, 4])])
    inst = instrument_from_text(MINI_360.read_text(encoding="utf-8"), "mini.yaml")
    with Store.open(db) as store:
        add_responses(store, [IncomingResponse("Bo", "peer", ALL, {}, "b", rater_identity="x")], inst)
    assert run("report", "Ana", "-o", str(tmp_path / "ana.html")).exit_code == 0
    assert run("report", "Bo", "-o", str(tmp_path / "bo.html")).exit_code == 0
    before = json.loads(run("summary", "Ana", "--json").stdout)
    with sqlite3.connect(db) as conn:  # two of Ana's peers and Bo's only rater answered long ago
        conn.execute(
            "UPDATE responses SET started_at = '2020-01-02', submitted_at = '2020-01-02' WHERE id IN "
            "(SELECT r.id FROM responses r JOIN assessments a ON a.id = r.assessment_id "
            "JOIN leaders l ON l.id = a.leader_id WHERE l.name = 'Ana' AND r.rater_group = 'peer' "
            "ORDER BY r.id LIMIT 2) OR id IN (SELECT r.id FROM responses r JOIN assessments a ON "
            "a.id = r.assessment_id JOIN leaders l ON l.id = a.leader_id WHERE l.name = 'Bo')"
        )
    done = run("purge", "--before", "2021-01-01", "--yes")
    assert done.exit_code == 0, done.stderr
    assert done.stdout == (
        "Removed everything answered or released before 2021-01-01: 0 leaders, 3 responses with 12 answers "
        "and 2 comments, 1 release record (of rounds left with no answer), 0 rostered raters.\n"
    )
    with sqlite3.connect(db) as conn:
        left = conn.execute(
            "SELECT l.name FROM releases r JOIN assessments a ON a.id = r.assessment_id "
            "JOIN leaders l ON l.id = a.leader_id"
        ).fetchall()
    assert left == [("Ana",)]  # Bo's round has no answer left: his record goes
    # One peer is left, too few to be shown: nothing about the peers is published any more, and no
    # figure differs from the release by the purged answers.
    after = json.loads(run("summary", "Ana", "--json").stdout)
    shown = [(i["others_n"], i["others"]) for c in before["competencies"] for i in c["items"]]
    assert all(i["others_n"] == 0 for c in after["competencies"] for i in c["items"])
    assert all(n == 3 for n, _ in shown)
    assert run("audit", "Ana").exit_code == 0


@pytest.mark.parametrize("group", ["peer", "manager"])
def test_the_rate_prompt_promise_is_true_for_the_group(group: str) -> None:
    from leadcheck.anonymity import rater_promise

    inst = instrument_from_text(MINI_360.read_text(encoding="utf-8"), "mini.yaml")
    promise = rater_promise(inst, group)
    if group == "manager":
        assert promise.startswith("The Manager group is shown from a single rater")
    else:
        assert "never shown on their own" in promise and "at least 2 of them" in promise


def test_reports_made_again_are_read_back_once_and_still_hold_a_late_rater(
    run: Run, db: Path, tmp_path: Path
) -> None:
    """Scoring reads each distinct release once (a report made again on the same answers repeats the
    one before); the newest stays last, so a late rater is held back exactly as after one release."""
    from leadcheck.releases import released_figures, releases

    add(db, [("self", "self", ALL, ""), *peers([2, 3, 4])])
    for n in range(4):
        assert run("report", "Ana", "-o", str(tmp_path / f"{n}.html")).exit_code == 0
    add(db, peers([5], start=3))  # one late peer: held back
    for n in range(4, 6):
        assert run("report", "Ana", "-o", str(tmp_path / f"{n}.html")).exit_code == 0
    with Store.open(db) as store:
        current = store.assessments.current(store.leaders.get("Ana"))
        assert len(releases(store, current)) == 6
        distinct = released_figures(store, current)
        assert len(distinct) == 1  # the held report published the same figures again
        assert distinct[-1] == releases(store, current)[-1].figures
    text = (tmp_path / "5.html").read_text()
    assert "answers that arrived or changed since are held back" in text
    assert "comment from peer 3" not in text
    audit = run("audit", "Ana")
    assert "6 reports given" in audit.stdout and "no rater can be singled out" in audit.stdout


def kinds(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [k for (k,) in conn.execute("SELECT kind FROM releases ORDER BY id")]


def test_every_output_that_shows_figures_is_a_release(run: Run, db: Path, tmp_path: Path) -> None:
    add(db, [("self", "self", ALL, ""), *peers([2, 3, 4])])
    assert run("summary", "Ana").exit_code == 0
    assert run("summary", "Ana", "--json").exit_code == 0  # the same figures again: no new row
    assert kinds(db) == ["summary"]
    assert run("report", "Ana", "-o", str(tmp_path / "d.pdf"), "--draft").exit_code == 0
    assert run("report", "Ana", "-o", str(tmp_path / "r.pdf")).exit_code == 0
    assert kinds(db) == ["summary", "draft", "report"]
    add(db, peers([5], start=3))  # a late peer: the summary repeats the last release, as a report would
    late = json.loads(run("summary", "Ana", "--json").stdout)
    assert all(i["held"] for c in late["competencies"] for i in c["items"])
    assert {i["others_n"] for c in late["competencies"] for i in c["items"]} <= {0, 3}
    audit = run("audit", "Ana")
    assert audit.exit_code == 0, audit.stdout
    assert "1 report, 1 draft and 1 summary given" in audit.stdout
    doc = json.loads(run("audit", "Ana", "--format", "json").stdout)
    assert [r["kind"] for r in doc["assessments"][0]["releases"]] == ["summary", "draft", "report"]


def test_a_report_is_recorded_before_its_file_is_written(
    run: Run, db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure after the release is recorded leaves a release without a file, never the reverse."""
    add(db, [("self", "self", ALL, ""), *peers([2, 3, 4])])
    import leadcheck.base.atomic as atomic

    def full_disk(path: Path, data: bytes) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic, "write_atomic", full_disk)
    result = run("report", "Ana", "-o", str(tmp_path / "r.pdf"))
    assert result.exit_code != 0
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "r.pdf").exists()
    assert kinds(db) == ["report"]


LEDGER = "SELECT kind, released_at, file_digest, figures FROM releases ORDER BY id"


def _ledger(db: Path) -> list[tuple[str, str, str, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(LEDGER).fetchall()


def _ana_card(db: Path) -> tuple[object, dict[str, object]]:
    from leadcheck.releases import published
    from leadcheck.scorecards import score_assessment

    with Store.open(db) as store:
        card = score_assessment(store, store.assessments.current(store.leaders.get("Ana")))
    return card, published(card)


def test_a_workspace_restored_from_an_export_guards_as_the_original(
    run: Run, db: Path, tmp_path: Path
) -> None:
    """export then import into a fresh workspace (the way out of a damaged file) keeps the ledger:
    the late rater stays held back there exactly as in the original."""
    from typer.testing import CliRunner

    from leadcheck.cli import app

    runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1", "LEADCHECK_DB": None})

    def elsewhere(target: Path, *args: str) -> Result:
        return runner.invoke(app, ["--db", str(target), *args])

    add(db, [("self", "self", ALL, ""), *peers([2, 3, 4])])
    assert run("report", "Ana", "-o", str(tmp_path / "1.html")).exit_code == 0
    add(db, peers([5], start=3))  # a late peer, held back by the ledger
    backup = tmp_path / "backup.json"
    assert run("export", "-o", str(backup)).exit_code == 0
    document = json.loads(backup.read_text())
    assert document["leadcheck_export"] == 2
    assert [(r["leader"], r["round"], r["kind"]) for r in document["releases"]] == [("Ana", 1, "report")]

    fresh = tmp_path / "restored.db"
    restored = elsewhere(fresh, "import", str(backup))
    assert restored.exit_code == 0, restored.stderr
    assert "Restored 1 release record (from the export)." in restored.stdout
    assert _ledger(fresh) == _ledger(db) and len(_ledger(db)) == 1
    original, original_published = _ana_card(db)
    again, again_published = _ana_card(fresh)
    assert again == original
    assert again_published == original_published  # the same tokens: the same guard
    l1 = next(i for d in again.dimensions for i in d.items if i.id == "l-1")  # type: ignore[attr-defined]
    assert l1.others.n == 3  # the late peer is held back in the restored workspace too

    # Merging: the same export again, into either workspace, adds no release twice.
    for target in (fresh, db):
        merged = elsewhere(target, "import", str(backup))
        assert merged.exit_code == 0, merged.stderr
        assert "release record" not in merged.stdout
    assert _ledger(fresh) == _ledger(db) and len(_ledger(db)) == 1

    # Without the ledger (as an import of a version 1 export left it), the late peer was published.
    with sqlite3.connect(fresh) as conn:
        conn.execute("DELETE FROM releases")
    unguarded, _ = _ana_card(fresh)
    assert unguarded != original


def test_the_csv_export_is_no_backup_once_reports_were_given(run: Run, db: Path, tmp_path: Path) -> None:
    add(db, [("self", "self", ALL, ""), *peers([2, 3, 4])])
    assert run("export", "--format", "csv", "-o", str(tmp_path / "a.csv")).stderr == (
        f"Wrote 4 responses to {tmp_path / 'a.csv'}.\n"
    )
    assert run("report", "Ana", "-o", str(tmp_path / "1.html")).exit_code == 0
    result = run("export", "--format", "csv", "-o", str(tmp_path / "b.csv"))
    assert result.exit_code == 2
    assert result.stderr == (
        "error: the CSV export leaves out the release ledger (1 release record): a workspace restored from "
        "it would publish what earlier reports hold back. For a backup, use --format json; for a "
        "spreadsheet, add --without-ledger\n"
    )
    assert not (tmp_path / "b.csv").exists()
    spreadsheet = run("export", "--format", "csv", "--without-ledger", "-o", str(tmp_path / "b.csv"))
    assert spreadsheet.exit_code == 0
    assert spreadsheet.stderr == f"Wrote 4 responses to {tmp_path / 'b.csv'}.\n"
