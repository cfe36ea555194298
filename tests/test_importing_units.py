"""The import library's small parts: loose matching, answers, timestamps, CSV decoding, layout detection."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadcheck.base.problems import ERROR, WARNING, Location, Problem, Problems, shorten
from leadcheck.importing import csvfile, layouts
from leadcheck.importing.columns import (
    AnswerError,
    ColumnMatcher,
    Target,
    loose,
    match_group,
    parse_answer,
)
from leadcheck.importing.export import protect, unprotect
from leadcheck.importing.timestamps import parse_timestamp
from leadcheck.instrument.catalog import load_instrument
from leadcheck.instrument.model import Instrument

FIXTURES = Path(__file__).parent / "fixtures" / "imports"


@pytest.fixture(scope="module")
def team() -> Instrument:
    return load_instrument(FIXTURES / "team-360.yaml")


@pytest.fixture(scope="module")
def lmp() -> Instrument:
    return load_instrument("labor-management-partnership")


def test_loose_drops_case_space_and_punctuation() -> None:
    assert loose("  This leader — lets people FINISH, before answering! ") == loose(
        "this leader lets people finish before answering"
    )
    assert loose("sa-10") != loose("sa-1")


@pytest.mark.parametrize(
    ("titles", "expected"),
    [
        (("li-1",), Target("item", "li-1")),
        (("LI_1",), Target("item", "li-1")),
        (("How often ... [fb-2]",), Target("item", "fb-2")),
        (("How often? [This leader seeks feedback on their own work.]",), Target("item", "fb-1")),
        (("this leader seeks feedback on their own work",), Target("item", "fb-1")),
        (("I seek feedback on my own work.",), Target("item", "fb-1")),
        (("Rate: - This leader seeks feedback on their own work.",), Target("item", "fb-1")),
        (("3. This leader seeks feedback on their own work. (required)",), Target("item", "fb-1")),
        (("Q3_1", "Matrix - This leader lets people finish before answering."), Target("item", "li-1")),
        (("keep",), Target("question", "keep")),
        (("What should this leader start doing?",), Target("question", "start")),
        (("Department",), None),
        (("",), None),
    ],
)
def test_columns_match_items_and_questions(
    team: Instrument, titles: tuple[str, ...], expected: Target
) -> None:
    assert ColumnMatcher(team).match(titles) == expected


def test_did_you_mean(team: Instrument) -> None:
    matcher = ColumnMatcher(team)
    assert (
        matcher.suggest(["fb-33"])
        == 'did you mean "fb-3" (This leader becomes defensive when their work i...)?'
    )
    assert matcher.suggest(["This leader seeks feedback on their work"]) == (
        'did you mean "fb-1" (This leader seeks feedback on their own work.)?'
    )
    assert matcher.suggest(["Department"]) is None


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("4", 4),
        (" 4 ", 4),
        ("4.0", 4),
        (4, 4),
        (4.0, 4),
        ("often", 4),
        ("OFTEN", 4),
        ("Often.", 4),
        ("4 - Often", 4),
        ("4 (Often)", 4),
        ("4. Often", 4),
        ("4: Often", 4),
        ("Often (4)", 4),
        ("N/A", None),
        ("na", None),
        ("n", None),
        ("Not observed", None),
        ("not applicable", None),
        ("-", None),
    ],
)
def test_answers_are_numbers_or_labels(team: Instrument, cell: object, value: int | None) -> None:
    assert parse_answer(cell, team.scale) == value


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("7", "a number outside the scale 1-5"),
        ("0", "a number outside the scale 1-5"),
        ("7 - Often", "a number outside the scale 1-5"),
        (
            "4 - Never",
            'the number and the label disagree; write one of them, or both as the scale has them ("4 - Often")',
        ),
        (
            "maybe",
            "not an answer on the scale; expected a number 1-5, a label (Never, Rarely, "
            'Sometimes, Often, Always), or "n/a" (Not observed)',
        ),
        (
            "3.5",
            "not an answer on the scale; expected a number 1-5, a label (Never, Rarely, "
            'Sometimes, Often, Always), or "n/a" (Not observed)',
        ),
        (
            True,
            "not an answer on the scale; expected a number 1-5, a label (Never, Rarely, "
            'Sometimes, Often, Always), or "n/a" (Not observed)',
        ),
    ],
)
def test_bad_answers_say_what_was_expected(team: Instrument, cell: object, message: str) -> None:
    with pytest.raises(AnswerError) as caught:
        parse_answer(cell, team.scale)
    assert str(caught.value) == message


def test_an_instruments_own_not_observed_label(lmp: Instrument) -> None:
    assert parse_answer("Don't know", lmp.scale) is None
    assert parse_answer("strongly agree", lmp.scale) == 5


def test_not_observed_refused_when_the_scale_has_none(team: Instrument) -> None:
    from dataclasses import replace

    scale = replace(team.scale, not_observed=False)
    with pytest.raises(AnswerError) as caught:
        parse_answer("N/A", scale)
    assert str(caught.value) == (
        '"not observed" is not allowed: this instrument has no "not observed" answer; '
        "leave the cell empty to skip the item"
    )


@pytest.mark.parametrize(
    ("cell", "group"),
    [
        ("Direct report", "direct_report"),
        ("direct reports", "direct_report"),
        ("DIRECT_REPORT", "direct_report"),
        ("Peers", "peer"),
        ("peer", "peer"),
        ("Self", "self"),
        ("Manager", "manager"),
        ("Other raters", "other"),
        ("Boss", None),
        ("", None),
    ],
)
def test_groups_match_ids_and_labels(team: Instrument, cell: str, group: str | None) -> None:
    assert match_group(cell, team) == group


def test_groups_of_another_instrument(lmp: Instrument) -> None:
    assert match_group("Union member", lmp) == "union"
    assert match_group("Facilitator / neutral", lmp) == "facilitator"
    assert match_group("peer", lmp) is None


@pytest.mark.parametrize(
    ("text", "month_first", "expected"),
    [
        ("2024/03/04 9:15:02 AM GMT+1", False, "2024-03-04T08:15:02+00:00"),
        ("2024-03-04 21:15:02", False, "2024-03-04T21:15:02+00:00"),
        ("2024-03-04T21:15:02Z", False, "2024-03-04T21:15:02+00:00"),
        ("03/04/2024 01:05:10 PM", True, "2024-03-04T13:05:10+00:00"),
        ("3/4/24 9:12:01", True, "2024-03-04T09:12:01+00:00"),
        ("3/4/2024 12:30:00 AM", True, "2024-03-04T00:30:00+00:00"),
        ("15/03/2024 10:00", False, "2024-03-15T10:00:00+00:00"),
        ("3/4/2024 10:00", False, None),  # day and month could be either way round
        ("yesterday", False, None),
        ("", False, None),
        ("2024-02-30", False, None),
    ],
)
def test_timestamps(text: str, month_first: bool, expected: str | None) -> None:
    assert parse_timestamp(text, month_first) == expected


def test_problem_grammar() -> None:
    problem = Problem(
        Location("responses.csv", 14),
        ERROR,
        "range",
        "a number outside the scale 1-5",
        csv_column="I seek feedback on my own work",
    )
    assert (
        str(problem)
        == 'responses.csv:14: column "I seek feedback on my own work": a number outside the scale 1-5'
    )
    assert str(Problem(Location("form.yaml", 12, 5), ERROR, "import", "x")) == "form.yaml:12:5: x"
    assert (
        str(Problem(Location("a.csv"), WARNING, "import", "file is empty")) == "a.csv: warning: file is empty"
    )
    long = shorten("word " * 30)
    assert len(long) == 40
    assert long.endswith("wo...")


def test_problems_sort_by_file_row_and_column() -> None:
    problems = Problems("a.csv")
    problems.error("second", row=2, column="z", index=3)
    problems.error("first", row=2, column="b", index=1)
    problems.error("header", row=1)
    assert [p.message for p in sorted(problems.found)] == ["header", "first", "second"]


def _problems_of(data: bytes) -> tuple[str | None, list[str]]:
    problems = Problems("f.csv")
    decoded = csvfile.decode(data, problems)
    return (decoded[0] if decoded else None), [str(p) for p in problems.found]


def test_decoding_utf8_with_and_without_bom() -> None:
    assert _problems_of("leader,li-1\nJosé,4\n".encode()) == ("leader,li-1\nJosé,4\n", [])
    assert _problems_of(b"\xef\xbb\xbfleader\n") == ("leader\n", [])


def test_decoding_falls_back_to_windows_1252_with_a_note() -> None:
    text, found = _problems_of("leader\nJosé “Pepe”\n".encode("cp1252"))
    assert text == "leader\nJosé “Pepe”\n"
    assert found == [
        "f.csv: note: not UTF-8 (first at line 2); read as Windows-1252, as older Excel versions save CSV. "
        'Check that accented letters look right, or save as "CSV UTF-8" next time'
    ]


def test_decoding_refuses_workbooks_and_binary() -> None:
    assert _problems_of(b"PK\x03\x04rest")[1] == [
        'f.csv: this is a spreadsheet workbook (.xlsx), not CSV; save or download it as "CSV UTF-8" and import that'
    ]
    assert _problems_of(b"a\x00b")[1] == ["f.csv: file looks binary (it holds NUL bytes); expected CSV text"]
    assert _problems_of("leader\nAna\n".encode("utf-16"))[0] == "leader\nAna\n"


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [("a,b;c\n", ","), ("a;b;c\n1,5;2;3\n", ";"), ("a\tb\n", "\t"), ('"x,y";b;c\n', ";"), ("a\n", ",")],
)
def test_delimiter_is_sniffed_from_the_header(text: str, delimiter: str) -> None:
    assert csvfile.sniff_delimiter(text) == delimiter


def test_records_keep_their_starting_line() -> None:
    problems = Problems("f.csv")
    table = csvfile.parse('h1,h2\r\n1,"two\r\nlines"\r\n\r\n,\r\n3,4\r\n', problems)
    assert table is not None
    assert [(r.line, r.cells) for r in table.records] == [
        (1, ["h1", "h2"]),
        (2, ["1", "two\r\nlines"]),
        (6, ["3", "4"]),
    ]


@pytest.mark.parametrize(
    ("name", "layout"),
    [
        ("google-forms.csv", "google"),
        ("msforms.csv", "msforms"),
        ("qualtrics.csv", "qualtrics"),
        ("surveymonkey.csv", "surveymonkey"),
        ("generic-excel.csv", "generic"),
    ],
)
def test_layouts_are_detected_from_the_header_rows(name: str, layout: str) -> None:
    problems = Problems(name)
    table = csvfile.read_table(FIXTURES / name, problems)
    assert table is not None
    assert layouts.detect(table.records) == layout


def test_surveymonkey_matrix_columns_continue_the_question() -> None:
    problems = Problems("s.csv")
    table = csvfile.read_table(FIXTURES / "surveymonkey.csv", problems)
    assert table is not None
    head = layouts.header("surveymonkey", table.records)
    matrix = head.columns[11]
    assert matrix.display == "This leader asks questions to check they have understood."
    assert matrix.titles[1].startswith("How often does this leader do the following? - This leader asks")
    assert head.columns[9].titles == ("What is your relationship to this leader?",)
    assert head.first_data == 2


def test_qualtrics_columns_carry_their_import_ids() -> None:
    problems = Problems("q.csv")
    table = csvfile.read_table(FIXTURES / "qualtrics.csv", problems)
    assert table is not None
    head = layouts.header("qualtrics", table.records)
    by_id = {c.titles[0]: c for c in head.columns}
    assert by_id["Q3_2"].import_id == "QID3_2"
    assert head.is_metadata(by_id["ResponseId"])
    assert not head.is_metadata(by_id["Q3_2"])
    assert head.first_data == 3


@pytest.mark.parametrize("text", ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "'=x", "''+x", "plain", "'quoted'"])
def test_formula_protection_round_trips(text: str) -> None:
    protected = protect(text)
    assert not protected.startswith(("=", "+", "-", "@", "\t"))
    assert unprotect(protected) == text


def test_writing_follows_links_and_writes_into_what_is_not_a_file(tmp_path: Path) -> None:
    import os
    import stat
    import threading

    from leadcheck.base.errors import OutputError
    from leadcheck.importing.output import atomic_text

    (tmp_path / "real.txt").write_text("old")
    (tmp_path / "link.txt").symlink_to("real.txt")
    with atomic_text(tmp_path / "link.txt") as out:
        out.write("new")
    assert (tmp_path / "link.txt").is_symlink()
    assert (tmp_path / "real.txt").read_text() == "new"

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    with atomic_text(fifo) as out:
        out.write("through the pipe")
    reader.join(timeout=10)
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert got == [b"through the pipe"]

    with pytest.raises(OutputError) as caught, atomic_text(tmp_path) as out:
        out.write("never")
    assert str(caught.value) == f"{tmp_path}: is a folder; name a file to write"


def test_header_rows_that_hold_answers(team: Instrument) -> None:
    def records(*rows: str) -> list[csvfile.Record]:
        return [csvfile.Record(n, row.split(",")) for n, row in enumerate(rows, start=1)]

    google = records("Timestamp,Email Address,Leader,li-1", "2024/03/04 9:15:02,pat@example.org,Ana,4")
    assert layouts.header_holds_answers("qualtrics", google)
    assert layouts.header_holds_answers("surveymonkey", google)
    numbers = records("StartDate,Q1,Q2,Q3", "2024-03-04 09:01:12,4,5,Ana")
    assert layouts.header_holds_answers("qualtrics", numbers)
    texts = records("StartDate,Q1,Q2", "Start Date,Which leader?,How often?", '{"ImportId":"startDate"},x,y')
    assert not layouts.header_holds_answers("qualtrics", texts)
    assert not layouts.header_holds_answers("google", google)  # one header row: nothing below it to check


def test_a_deeply_nested_import_id_is_no_import_id() -> None:
    deep = '{"ImportId": ' + "[" * 100_000
    head = layouts.header(
        "qualtrics",
        [
            csvfile.Record(1, ["StartDate", "Q1"]),
            csvfile.Record(2, ["Start Date", "Question"]),
            csvfile.Record(3, ['{"ImportId":"startDate"}', deep]),
        ],
    )
    assert [c.import_id for c in head.columns] == ["startDate", ""]


def test_a_form_is_known_by_its_file_name_and_header() -> None:
    from leadcheck.importing.tables import form_key

    header = [csvfile.Record(1, ["ID", "Start time", "li-1"])]
    peers = form_key("exports/Peers.csv", header)
    assert form_key("Peers.csv", header) == peers
    assert form_key("peers (1).csv", header) == peers  # downloaded again
    assert form_key("Peers(1-12).csv", header) == peers  # Microsoft Forms' response range
    assert form_key("Reports.csv", header) != peers
    assert form_key("Peers.csv", [csvfile.Record(1, ["ID", "Start time", "li-2"])]) != peers
