"""Reading `leadcheck export` files (JSON and CSV) back: each record checked, in the round it names."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from leadcheck.base.errors import InstrumentError, PlanError
from leadcheck.base.problems import Location, Problems, shorten
from leadcheck.base.responses import Answer, IncomingResponse
from leadcheck.importing.columns import loose
from leadcheck.importing.csvfile import Table
from leadcheck.importing.export.format import (
    EXPORT_KEY,
    EXPORT_VERSION,
    NOT_OBSERVED,
    READ_VERSIONS,
    RELEASE_KEYS,
    TOO_DEEP,
    WORKSPACE_ID,
    unprotect,
)
from leadcheck.importing.export.scan import array, outline, popping
from leadcheck.importing.layouts import COMMENT_PREFIX, EXPORT_COLUMNS
from leadcheck.importing.model import LedgerRow, Parsed, PlannedLeader, PlannedRound, Round, Unchanged
from leadcheck.importing.resolve import Instruments, label
from leadcheck.instrument.model import Instrument, importance_problem
from leadcheck.store import cohort_name_problem, leader_key, leader_name_problem
from leadcheck.store.plans import Focus

# Is this rater (leader as compared, instrument id, rater hash) already in the workspace: in the
# round started at the given time, or (None) in any of the leader's rounds?
KnownRater = Callable[[str, str, str, str | None], bool]
# Where a report is about (a column of a CSV row; "" for the record as a whole), and what.
Report = Callable[[str, str], None]


# About 260 lines as one class, on purpose for now: reading one record touches all of the reader's
# state at once (the instrument found by hash, reported once when unknown; the rounds declared so
# far, numbered in ``finish``; the file's problems), and the JSON and CSV readers share it through
# this one object. The rounds (``round_of``, ``declare``, ``finish``) are the part that could stand
# alone, as a small object the reader holds.
class ExportReader:
    """Turns export records (from JSON or CSV) into checked responses, in the rounds they name."""

    def __init__(self, source: str, instruments: Instruments, problems: Problems, known: KnownRater) -> None:
        self.source = source
        self.instruments = instruments
        self.problems = problems
        self.known = known
        self.already = Unchanged()  # records of responses this workspace already holds
        self.leaders: list[PlannedLeader] = []  # the JSON export's "leaders"
        self.rounds: list[PlannedRound] = []  # every round named, each once, in order: see ``finish``
        # The round of each (leader key, instrument id, number) as ``finish`` numbers it.
        self.numbered: dict[tuple[str, str, int], Round] = {}
        self._declared: dict[tuple[str, str, int], PlannedRound] = {}  # (leader key, instrument id, number)
        self._unknown: set[str] = set()  # instrument hashes already reported as not found
        # The JSON export's release records: (leader, instrument, round number, the row's values).
        self.releases: list[tuple[str, Instrument, int, LedgerRow]] = []
        # The development plans of its rounds: (leader, instrument, round number, made on, behaviours).
        self.plans: list[tuple[str, Instrument, int, str, tuple[Focus, ...]]] = []
        self.workspace_id: str | None = None  # the id of the workspace the export came from

    def instrument(self, record: Mapping[str, Any], report: Report) -> Instrument | None:
        """The instrument a record names by id, version and hash; None (reported) when unknown."""
        ident, version, content_hash = (
            record.get(k) for k in ("instrument", "instrument_version", "instrument_hash")
        )
        if not all(isinstance(v, str) for v in (ident, version, content_hash)):
            report("instrument, instrument_version and instrument_hash must be given", "")
            return None
        assert isinstance(ident, str) and isinstance(version, str) and isinstance(content_hash, str)
        found = self.instruments.find(ident, version, content_hash)
        if found is None and content_hash not in self._unknown:  # once per file: later rows say the same
            self._unknown.add(content_hash)
            report(
                f"instrument {ident} {version} (hash {content_hash[:12]}) is neither in this workspace "
                "nor shipped with leadcheck; import the JSON export instead, which carries its "
                "instruments, or give the instrument's YAML file with --instrument",
                "",
            )
        return found

    def round_of(
        self, record: Mapping[str, Any], report: Report, keys: tuple[str, str] = ("assessment", "round")
    ) -> tuple[str, int] | None:
        """(started at, number) of the round a record names; None when it names none (or, reported, badly)."""
        time_key, number_key = keys
        started, number = record.get(time_key), record.get(number_key)
        if not _given(started) and not _given(number):
            return None
        if not _given(started) or not _given(number):
            has, lacks = (number_key, time_key) if _given(number) else (time_key, number_key)
            report(
                f'"{has}" without "{lacks}"; expected both, as leadcheck export writes them (or neither, '
                "to add the response to the leader's current round)",
                lacks,
            )
            return None
        if not isinstance(started, str) or not _is_time(started):
            report(
                f'"{shorten(str(started), 40)}" is not a time; expected when the round was started, in '
                "ISO 8601 (2024-03-04T08:15:02+00:00)",
                time_key,
            )
            return None
        count = _round_number(number)
        if count is None:
            report(
                f'"{shorten(str(number), 40)}" is not a round number; expected 1 for the leader\'s first '
                "assessment on the instrument, 2 for the next, ...",
                number_key,
            )
            return None
        return started.strip(), count

    def declare(
        self, leader: str, instrument: Instrument, started: str, number: int, where: Location, report: Report
    ) -> None:
        """Note a round; the same round named twice must be started at the same time on the same snapshot."""
        leader = leader.strip()
        key = (leader_key(leader), instrument.id, number)
        first = self._declared.setdefault(
            key, PlannedRound(leader, instrument, Round(started, number), where)
        )
        about = f'round {number} of "{leader}" on {instrument.id}'
        if first.round.created_at != started:
            report(
                f"{about} was started at {first.round.created_at} ({first.where}), here at {started}; "
                "expected one time per round",
                "assessment",
            )
        elif first.instrument.content_hash != instrument.content_hash:
            report(
                f"{about} is on the snapshot {first.instrument.content_hash[:12]} ({first.where}), here on "
                f"{instrument.content_hash[:12]}; expected one instrument snapshot per round",
                "instrument_hash",
            )

    def leader(self, entry: object, where: Location, report: Report) -> None:
        """One entry of the JSON export's "leaders": the leader, and each of their rounds."""
        if not isinstance(entry, Mapping):
            report("expected an object", "")
            return
        name, cohort, rounds = entry.get("name"), entry.get("cohort"), entry.get("assessments", [])
        if not isinstance(name, str) or not name.strip():
            report("no name", "")
            return
        name = name.strip()  # as every incoming name (IncomingResponse trims its own)
        problem = leader_name_problem(name)
        if problem is not None:
            report(f"{problem}; correct it in the file", "")
            return
        if cohort is not None and not isinstance(cohort, str):
            report("cohort must be text", "")
            return
        cohort_problem = cohort_name_problem(cohort) if cohort is not None else None
        if cohort_problem is not None:
            report(f"{cohort_problem}; correct it in the file", "")
            return
        self.leaders.append(PlannedLeader(name, cohort, where))
        if not isinstance(rounds, list):
            report('"assessments" must be a list', "")
            return
        for m, item in enumerate(rounds, start=1):

            def at(message: str, column: str, m: int = m) -> None:
                report(f"assessment {m}: {message}", "")

            if not isinstance(item, Mapping):
                at("expected an object", "")
                continue
            before = len(self.problems.found)
            instrument = self.instrument(item, at)
            named = self.round_of(item, at, ("created_at", "round"))
            if named is None and len(self.problems.found) == before:
                at('"created_at" and "round" must be given', "")
            if instrument is not None and named is not None:
                self.declare(name, instrument, *named, where.within(f"assessment {m}"), at)
                if "plan" in item:
                    self.plan(name, instrument, named[1], item["plan"], at)

    def plan(self, leader: str, instrument: Instrument, number: int, doc: object, report: Report) -> None:
        """A round's development plan, checked as ``leadcheck plan`` would (its dates aside)."""
        from leadcheck.development import restored

        try:
            made_on, focus = restored(doc, instrument)
        except PlanError as e:
            report(str(e), "")
            return
        self.plans.append((leader, instrument, number, made_on, focus))

    def release(self, entry: object, where: Location, report: Report) -> None:
        """One entry of the JSON export's "releases": a ledger row, in a round the export names."""
        if not isinstance(entry, Mapping):
            report("expected an object", "")
            return
        before = len(self.problems.found)
        leader = entry.get("leader")
        if not isinstance(leader, str) or not leader.strip():
            report("no leader", "")
            return
        instrument = self.instrument(entry, report)
        named = self.round_of(entry, report)
        if named is None and len(self.problems.found) == before:
            report('"assessment" and "round" must be given', "")
        values = [entry.get(k) for k in RELEASE_KEYS]
        # A release shown without a file (a summary, a round shown as change) has an empty digest.
        if not all(
            isinstance(v, str) and (v or k == "file_digest")
            for k, v in zip(RELEASE_KEYS, values, strict=True)
        ):
            report(
                '"kind", "released_at" and "figures" must be given as text, "file_digest" as text or ""', ""
            )
            return
        figures = values[3]
        assert isinstance(figures, str)
        try:
            json.loads(figures)
        except (json.JSONDecodeError, RecursionError):
            report('"figures" is not the JSON text the ledger keeps', "")
            return
        if instrument is None or named is None:
            return
        self.declare(leader, instrument, *named, where, report)
        kind, released_at, digest = (str(v) for v in values[:3])
        self.releases.append(
            (leader.strip(), instrument, named[1], LedgerRow(kind, released_at, digest, figures))
        )

    def build(
        self,
        record: Mapping[str, Any],
        where: Location,
        row: int,
        report: Report,
    ) -> Parsed | None:
        """One checked response from an export record; problems through ``report(message, column)``."""
        before = len(self.problems.found)
        leader = record.get("leader")
        if not isinstance(leader, str) or not leader.strip():
            report("no leader", "leader" if row else "")
            leader = ""
        found = self.instrument(record, report)
        if found is None:
            return None
        named = self.round_of(record, report)
        # A response in a named round is checked against that round's snapshot; any other goes to
        # the leader's current round, and is checked against the snapshot that one was made with.
        instrument = self.instruments.effective(leader, found) if leader and named is None else found
        group = record.get("group")
        if not isinstance(group, str) or group not in instrument.groups:
            groups = ", ".join(instrument.groups)
            report(
                f'"{group}" is not a rater group of {label(instrument)}; expected one of: {groups}', "group"
            )
        answers = self._answers(record.get("answers"), instrument, group, report)
        comments = self._comments(record.get("comments"), instrument, report)
        cohort = record.get("cohort")
        if cohort is not None and not isinstance(cohort, str):
            report("cohort must be text", "cohort")
        rater = record.get("rater")
        rater = rater if isinstance(rater, str) and rater else None
        submitted = record.get("submitted_at")
        if named is not None and leader:
            self.declare(leader, instrument, *named, where, report)
        if any(p.level == "error" for p in self.problems.found[before:]):
            return None
        assert isinstance(group, str)
        response = IncomingResponse(
            leader=leader,
            group=group,
            answers=answers,
            comments=comments,
            source=str(where),
            rater_identity=f"export:{rater}" if rater else None,
            submitted_at=submitted if isinstance(submitted, str) and submitted else None,
            cohort=cohort if isinstance(cohort, str) else None,
        )
        in_round = Round(*named) if named is not None else None
        parsed = Parsed(instrument, response, where, "export" if rater else "", in_round)
        started = named[0] if named is not None else None
        if rater and self.known(leader_key(leader), instrument.id, rater, started):
            self.already.add(parsed)
            return None
        return parsed

    def finish(self) -> None:
        """Once the whole file is read: every round in order, and the round each number names.

        Rounds keep the order the file names them in, except that a leader's
        rounds on one instrument id follow the numbers the export gives them.
        Two of them started at the same time on the same snapshot are told
        apart by ``Round.nth``; the responses read before, which name their
        round by number, are given it from ``numbered``.
        """
        by_leader: dict[tuple[str, str], list[PlannedRound]] = {}
        for (key, ident, _number), planned in self._declared.items():
            by_leader.setdefault((key, ident), []).append(planned)
        numbered = {
            group: iter(sorted(rounds, key=lambda r: r.round.number)) for group, rounds in by_leader.items()
        }
        seen: dict[tuple[str, str, str], int] = {}
        for key, ident, _number in self._declared:
            planned = next(numbered[key, ident])
            same = (key, planned.instrument.content_hash, planned.round.created_at)
            seen[same] = seen.get(same, 0) + 1
            done = dataclasses.replace(planned.round, nth=seen[same])
            self.numbered[(key, ident, done.number)] = done
            self.rounds.append(dataclasses.replace(planned, round=done))

    def _answers(
        self, raw: object, instrument: Instrument, group: object, report: Callable[[str, str], None]
    ) -> dict[str, Answer]:
        answers: dict[str, Answer] = {}
        if not isinstance(raw, Mapping):
            report("answers must be a mapping of item ids to values", "")
            return answers
        scale = instrument.scale
        for item, value in raw.items():
            refused = (
                importance_problem(instrument, group, str(item))
                if isinstance(group, str) and group in instrument.groups
                else None
            )
            if refused is not None:
                report(refused, str(item))
            elif item not in instrument.answer_keys(str(group)):
                report(f'"{shorten(str(item))}" is not an item of {label(instrument)}', str(item))
            elif value is None:
                if not scale.not_observed:
                    report(f'"{NOT_OBSERVED}" (not observed) is not allowed by {label(instrument)}', item)
                answers[item] = None
            elif isinstance(value, bool) or not isinstance(value, int):
                report(f"not a scale value (a whole number {scale.min}-{scale.max})", item)
            elif not scale.min <= value <= scale.max:
                report(f"a number outside the scale {scale.min}-{scale.max}", item)
            else:
                answers[item] = value
        return answers

    def _comments(
        self, raw: object, instrument: Instrument, report: Callable[[str, str], None]
    ) -> dict[str, str]:
        comments: dict[str, str] = {}
        if raw is None:
            return comments
        if not isinstance(raw, Mapping):
            report("comments must be a mapping of question ids to text", "")
            return comments
        known = {q.id for q in instrument.questions}
        for question, text in raw.items():
            if question not in known:
                report(
                    f'"{shorten(str(question))}" is not a question of {label(instrument)}',
                    COMMENT_PREFIX + str(question),
                )
            elif not isinstance(text, str):
                report("a comment must be text", COMMENT_PREFIX + question)
            elif text.strip():
                comments[question] = text
        return comments


def read_export_json(data: bytes, reader: ExportReader) -> Iterator[Parsed]:
    """The responses of a JSON export, one at a time (its instrument snapshots made known to the reader first).

    The text is read twice, as a CSV file is: once to check that it is JSON
    and to take its instruments and leaders, once to hand on its response
    records, each parsed as it is reached: what is held is the text, never
    the parsed document (see ``scan.outline``).
    """
    found = _json_export(data, reader.problems)
    del data
    if found is None:
        return
    document, records = found
    exported_id = document.get("workspace")
    if isinstance(exported_id, str) and WORKSPACE_ID.fullmatch(exported_id):
        reader.workspace_id = exported_id
    _json_snapshots(document.get("instruments", []), reader)
    _json_leaders(document.get("leaders", []), reader)
    _json_releases(document.get("releases", []), reader)
    if records is None:
        reader.problems.error('"responses" must be a list')
        return
    for n, record in enumerate(records, start=1):

        def report(message: str, column: str, n: int = n) -> None:
            where = f' ("{shorten(column)}")' if column else ""
            reader.problems.error(f"response {n}{where}: {message}")

        if not isinstance(record, dict):
            report("expected an object", "")
            continue
        parsed = reader.build(record, Location(reader.source, part=f"response {n}"), 0, report)
        if parsed is not None:
            yield parsed
    reader.finish()


JsonExport = tuple[dict[str, Any], Iterator[Any] | None]


def _json_export(data: bytes, problems: Problems) -> JsonExport | None:
    """The export's values but its responses, and its response records one at a time (None: not a
    list); None (with the problem) when it is not JSON or not a leadcheck export."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.error("not UTF-8 text; a leadcheck export is always UTF-8")
        return None
    outlined = outline(text)
    records: Iterator[Any] | None
    if outlined is not None:
        document, at = outlined
        records = array(text, at) if at is not None else None
    else:  # anything but a plain export object: parsed whole, which says what is wrong, if anything
        try:
            document = json.loads(text)
        except json.JSONDecodeError as e:
            problems.error(f"not valid JSON ({e.msg})", row=e.lineno, position=e.colno)
            return None
        except RecursionError:
            problems.error(f"{TOO_DEEP}; expected a leadcheck export, which nests a few levels")
            return None
        listed = document.pop("responses", None) if isinstance(document, dict) else None
        records = popping(listed) if isinstance(listed, list) else None
    if not isinstance(document, dict) or document.get(EXPORT_KEY) not in READ_VERSIONS:
        problems.error(f'not a leadcheck export: "{EXPORT_KEY}": {EXPORT_VERSION} is missing')
        return None
    return document, records


def _json_snapshots(snapshots: object, reader: ExportReader) -> None:
    """The instrument snapshots an export carries, each checked against its hash, made known to the reader."""
    problems = reader.problems
    for n, snapshot in enumerate(snapshots if isinstance(snapshots, list) else [], start=1):
        source = snapshot.get("source") if isinstance(snapshot, dict) else None
        content_hash = snapshot.get("hash") if isinstance(snapshot, dict) else None
        if not isinstance(source, str) or hashlib.sha256(source.encode()).hexdigest() != content_hash:
            problems.error(f"instrument snapshot {n}: its text does not match its hash; was it edited?")
            continue
        try:
            reader.instruments.add_snapshot(source)
        except InstrumentError as e:
            problems.error(f"instrument snapshot {n}: {e}")


def _json_leaders(listed: object, reader: ExportReader) -> None:
    """The export's "leaders": each leader and their rounds, declared to the reader."""
    problems = reader.problems
    for n, entry in enumerate(listed if isinstance(listed, list) else [], start=1):

        def report_leader(message: str, column: str, n: int = n) -> None:
            problems.error(f"leader {n}: {message}")

        reader.leader(entry, Location(reader.source, part=f"leader {n}"), report_leader)
    if not isinstance(listed, list):
        problems.error('"leaders" must be a list')


def _json_releases(listed: object, reader: ExportReader) -> None:
    """The export's "releases": each ledger row, kept by the reader for its round."""
    if not isinstance(listed, list):
        reader.problems.error('"releases" must be a list')
        return
    for n, entry in enumerate(listed, start=1):

        def report_release(message: str, column: str, n: int = n) -> None:
            reader.problems.error(f"release {n}: {message}")

        reader.release(entry, Location(reader.source, part=f"release {n}"), report_release)


def read_export_csv(table: Table, reader: ExportReader) -> Iterator[Parsed]:
    """The responses of a CSV export, one row at a time; its instruments must be known by hash, or
    shipped in that version."""
    problems = reader.problems
    header = [unprotect(c.strip()) for c in table.head[0].cells]
    line = table.head[0].line
    required = ("leader", "instrument", "instrument_version", "instrument_hash", "group")
    missing = [c for c in required if c not in header]
    if missing:
        problems.error(f"not a leadcheck export: no column {', '.join(missing)}", row=line)
        return
    if table.count < 2:
        problems.error("no responses below the header")
        return
    for record in table.rows(1):
        cells = record.cells
        if len(cells) < len(header):
            problems.error(
                f"row has {len(cells)} cells but the header has {len(header)}; the file may be truncated",
                row=record.line,
            )
            continue
        row = dict(zip(header, cells, strict=False))

        def report(message: str, column: str, at: int = record.line) -> None:
            index = header.index(column) + 1 if column in header else 0
            problems.error(message, row=at, column=column, index=index)

        parsed = _csv_record(row, header, reader, Location(reader.source, record.line), record.line, report)
        if parsed is not None:
            yield parsed
    reader.finish()


def _csv_record(
    row: dict[str, str],
    header: list[str],
    reader: ExportReader,
    where: Location,
    line: int,
    report: Callable[[str, str], None],
) -> Parsed | None:
    answers: dict[str, object] = {}
    comments: dict[str, str] = {}
    bad = False
    for column in header:
        if column in EXPORT_COLUMNS:
            continue
        cell = unprotect(row[column])
        if column.startswith(COMMENT_PREFIX):
            if cell:
                comments[column[len(COMMENT_PREFIX) :]] = cell
            continue
        value = cell.strip()
        if not value:
            continue
        if loose(value) == loose(NOT_OBSERVED):
            answers[column] = None
        elif re.fullmatch(r"[+-]?[0-9]{1,18}", value):
            answers[column] = int(value)
        else:
            report(f'not a scale value or "{NOT_OBSERVED}"', column)
            bad = True
    if bad:
        return None
    record: dict[str, Any] = {k: unprotect(row.get(k, "")) for k in EXPORT_COLUMNS}
    record["cohort"] = record["cohort"] or None
    record["answers"] = answers
    record["comments"] = comments
    return reader.build(record, where, line, report)


def is_json(path: Path, data: bytes) -> bool:
    return path.suffix.lower() == ".json" or data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def _given(value: object) -> bool:
    """Whether a record holds a value here: JSON's null and an empty CSV cell do not."""
    return value is not None and not (isinstance(value, str) and not value.strip())


def _is_time(text: str) -> bool:
    try:
        datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _round_number(value: object) -> int | None:
    """A round number from JSON (1) or a CSV cell ("1"); None when it is not a whole number from 1."""
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,9}", value.strip()):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return None
    return value
