"""The CSV layouts of survey tools: how to recognise each one and read its header rows."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from leadcheck.importing.columns import loose
from leadcheck.importing.csvfile import Record

# What --layout accepts; "response" and "export" are leadcheck's own files.
LAYOUTS = ("auto", "response", "export", "google", "msforms", "qualtrics", "surveymonkey", "generic")

# Column titles (compared loosely) that say which leader, group or cohort a row is about.
LEADER_TITLES = frozenset({"leader", "leadername"})
GROUP_TITLES = frozenset({"group", "ratergroup", "relationship"})
COHORT_TITLES = frozenset({"cohort"})


@dataclass(frozen=True)
class LayoutSpec:
    """What one tool writes besides the questions, and where it keeps who answered and when."""

    name: str
    label: str
    header_rows: int
    metadata: frozenset[str]  # loose titles of the tool's own columns
    metadata_prefixes: tuple[str, ...] = ()  # loose prefixes of the tool's own columns
    email: tuple[str, ...] = ()  # loose titles of the rater's email column, first found wins
    ids: tuple[str, ...] = ()  # loose titles of a response id column
    # Loose titles of id columns that number each form's responses anew (1, 2, 3, ...):
    # such an id tells raters apart only within its own form.
    form_ids: frozenset[str] = frozenset()
    submitted: tuple[str, ...] = ()  # loose titles of the submission time column
    month_first: bool = False  # dates are written M/D/Y


GOOGLE = LayoutSpec(
    "google",
    "Google Forms",
    1,
    frozenset({"timestamp", "emailaddress", "score", "totalscore"}),
    email=("emailaddress",),
    submitted=("timestamp",),
)
MSFORMS = LayoutSpec(
    "msforms",
    "Microsoft Forms",
    1,
    frozenset(
        {
            "id",
            "starttime",
            "completiontime",
            "email",
            "name",
            "lastmodifiedtime",
            "totalpoints",
            "quizfeedback",
        }
    ),
    metadata_prefixes=("points", "feedback"),
    email=("email",),
    ids=("id",),
    form_ids=frozenset({"id"}),
    submitted=("completiontime",),
    month_first=True,
)
QUALTRICS = LayoutSpec(
    "qualtrics",
    "Qualtrics",
    3,
    frozenset(
        {
            "startdate",
            "enddate",
            "status",
            "ipaddress",
            "progress",
            "durationinseconds",
            "finished",
            "recordeddate",
            "responseid",
            "recipientlastname",
            "recipientfirstname",
            "recipientemail",
            "externalreference",
            "externaldatareference",
            "locationlatitude",
            "locationlongitude",
            "distributionchannel",
            "userlanguage",
        }
    ),
    metadata_prefixes=("qrecaptcha", "qrelevantid", "qduplicate", "qballot"),
    email=("recipientemail",),
    ids=("responseid",),
    submitted=("recordeddate", "enddate"),
)
SURVEYMONKEY = LayoutSpec(
    "surveymonkey",
    "SurveyMonkey",
    2,
    frozenset(
        {
            "respondentid",
            "collectorid",
            "startdate",
            "enddate",
            "ipaddress",
            "emailaddress",
            "firstname",
            "lastname",
        }
    ),
    metadata_prefixes=("customdata",),
    email=("emailaddress",),
    ids=("respondentid",),
    submitted=("enddate",),
    month_first=True,
)
GENERIC = LayoutSpec(
    "generic",
    "one row per rater",
    1,
    frozenset(
        {"email", "emailaddress", "rater", "raterid", "token", "id", "respondentid", "responseid"}
        | {"timestamp", "submittedat", "startedat"}
    ),
    email=("email", "emailaddress"),
    ids=("rater", "raterid", "token", "respondentid", "responseid", "id"),
    # A rater or token column names the person; an unknown tool's response ids may restart per form.
    form_ids=frozenset({"respondentid", "responseid", "id"}),
    submitted=("submittedat", "timestamp"),
)
SPECS = {spec.name: spec for spec in (GOOGLE, MSFORMS, QUALTRICS, SURVEYMONKEY, GENERIC)}

# The first columns of `leadcheck export --format csv`.
EXPORT_COLUMNS = (
    "leader",
    "cohort",
    "instrument",
    "instrument_version",
    "instrument_hash",
    "assessment",
    "round",
    "group",
    "rater",
    "started_at",
    "submitted_at",
)
COMMENT_PREFIX = "comment:"

# SurveyMonkey's sub-header of a single-answer question (not a matrix row).
_SURVEYMONKEY_PLAIN = frozenset({"", "response", "openendedresponse", "openended"})
# Cells that are answers rather than titles: an email address, a number, a date.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_NUMBER_OR_DATE = re.compile(r"[+-]?\d+(?:[.,]\d+)?|\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}(?:[ T].*)?")


@dataclass(frozen=True)
class Column:
    """One column: the titles to match it by (most specific first) and how messages name it."""

    index: int
    titles: tuple[str, ...]
    display: str
    import_id: str = ""  # Qualtrics' ImportId (QID3_1, startDate, ...)

    def named(self, names: frozenset[str]) -> bool:
        return any(loose(t) in names for t in self.titles if t)


@dataclass(frozen=True)
class Header:
    """The columns of a CSV file and where its answers start."""

    spec: LayoutSpec
    columns: tuple[Column, ...]
    first_data: int  # index of the first data record
    line: int  # line of the first header row

    def is_metadata(self, column: Column) -> bool:
        spec = self.spec
        if column.import_id and not column.import_id.upper().startswith("QID"):
            return True  # Qualtrics marks every question QIDn; everything else is its own data
        for title in column.titles:
            key = loose(title)
            if key in spec.metadata or (key and key.startswith(spec.metadata_prefixes)):
                return True
        return False


def detect(records: Sequence[Record]) -> str:
    """The layout of a CSV file from its first rows."""
    first = [loose(c) for c in records[0].cells]
    names = set(first)
    if {"leader", "instrumenthash", "group", "rater"} <= names:
        return "export"
    third = records[2].cells if len(records) > 2 else []
    if ("responseid" in names and "startdate" in names) or any(c.startswith('{"ImportId"') for c in third):
        return "qualtrics"
    if first[0] == "respondentid" and "collectorid" in names:
        return "surveymonkey"
    if "starttime" in names and "completiontime" in names:
        return "msforms"
    if first[0] == "timestamp":
        return "google"
    return "generic"


def header(layout: str, records: Sequence[Record]) -> Header:
    """The header of a CSV file in ``layout`` (one of SPECS)."""
    spec = SPECS[layout]
    top = records[0]
    if layout == "qualtrics":
        return _qualtrics(spec, records)
    if layout == "surveymonkey":
        return _surveymonkey(spec, records)
    columns = tuple(Column(i, (title,), title) for i, title in enumerate(top.cells))
    return Header(spec, columns, 1, top.line)


def header_holds_answers(layout: str, records: Sequence[Record]) -> bool:
    """Whether the rows ``layout`` reads as titles below the first one hold answers instead.

    That is a file forced into the wrong layout (a Google Forms export read as
    Qualtrics): a title row with an email address in it, or with more numbers
    and dates than words.
    """
    spec = SPECS.get(layout)
    if spec is None:
        return False
    for record in records[1 : spec.header_rows]:
        cells = [c.strip() for c in record.cells if c.strip() and not c.startswith('{"ImportId"')]
        if any(_EMAIL.fullmatch(c) for c in cells):
            return True
        if cells and sum(1 for c in cells if _NUMBER_OR_DATE.fullmatch(c)) * 2 > len(cells):
            return True
    return False


def _cell(record: Record | None, index: int) -> str:
    if record is None or index >= len(record.cells):
        return ""
    return record.cells[index].strip()


def _import_id(text: str) -> str:
    if not text.startswith("{"):
        return ""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nested too deeply to be an ImportId
        return ""
    value = data.get("ImportId") if isinstance(data, dict) else None
    return value if isinstance(value, str) else ""


def _qualtrics(spec: LayoutSpec, records: Sequence[Record]) -> Header:
    ids, texts = records[0], records[1] if len(records) > 1 else None
    third = records[2] if len(records) > 2 else None
    has_import_ids = third is not None and any(c.startswith('{"ImportId"') for c in third.cells)
    columns = []
    for i, field_id in enumerate(ids.cells):
        text = _cell(texts, i)
        import_id = _import_id(_cell(third, i)) if has_import_ids else ""
        columns.append(Column(i, (field_id.strip(), text), text or field_id.strip(), import_id))
    return Header(spec, tuple(columns), 3 if has_import_ids else 2, ids.line)


def _surveymonkey(spec: LayoutSpec, records: Sequence[Record]) -> Header:
    questions, subs = records[0], records[1] if len(records) > 1 else None
    columns = []
    question = ""
    for i, cell in enumerate(questions.cells):
        # A matrix question's text heads its first column only; the next ones are blank.
        question = cell.strip() or question
        sub = _cell(subs, i)
        if loose(sub) in _SURVEYMONKEY_PLAIN:
            columns.append(Column(i, (question,), question))
        else:
            columns.append(Column(i, (sub, f"{question} - {sub}"), sub))
    return Header(spec, tuple(columns), 2, questions.line)
