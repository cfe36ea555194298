"""`leadcheck export` files (JSON and CSV): writing every response, and reading them back."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import re
from collections.abc import Callable, Generator, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from leadcheck.errors import InstrumentError
from leadcheck.importing.columns import loose
from leadcheck.importing.csvfile import Table
from leadcheck.importing.layouts import COMMENT_PREFIX, EXPORT_COLUMNS
from leadcheck.importing.model import LedgerRow, Parsed, PlannedLeader, PlannedRound, Round, Unchanged
from leadcheck.importing.problems import Problems, shorten
from leadcheck.importing.resolve import Instruments, label
from leadcheck.instrument.model import Instrument
from leadcheck.problems import Location
from leadcheck.responses import Answer, IncomingResponse
from leadcheck.store import (
    Store,
    assessments,
    cohort_name_problem,
    leader_key,
    leader_name_problem,
    responses,
)

EXPORT_KEY = "leadcheck_export"
# 2: the release ledger ("releases") is part of the file. Version 1 files (no ledger) are still read;
# an older leadcheck refuses a version 2 file rather than restore it without its ledger.
EXPORT_VERSION = 2
READ_VERSIONS = (1, 2)
# Said of a JSON file whose [ and { nest too deeply to read (Python's parser recurses per level).
TOO_DEEP = "nesting is too deep (hundreds of levels of [ or {)"
NOT_OBSERVED = "n/a"
# A spreadsheet runs a cell starting with one of these as a formula; text cells that
# would are written with a leading "'" (and read back without it).
_FORMULA = re.compile(r"'*[=+\-@\t\r]")
_ESCAPED = re.compile(r"'+[=+\-@\t\r]")

# Is this rater (leader as compared, instrument id, rater hash) already in the workspace: in the
# round started at the given time, or (None) in any of the leader's rounds?
KnownRater = Callable[[str, str, str, str | None], bool]
# Where a report is about (a column of a CSV row; "" for the record as a whole), and what.
Report = Callable[[str, str], None]


def protect(text: str) -> str:
    """A text cell that spreadsheets will show, not run."""
    return "'" + text if _FORMULA.match(text) else text


def unprotect(text: str) -> str:
    return text[1:] if _ESCAPED.match(text) else text


WORKSPACE_ID = re.compile(r"[0-9a-f]{32}")  # as migration 3 makes them

RELEASE_KEYS = ("kind", "released_at", "file_digest", "figures")  # of a release row in an export

# -- records -----------------------------------------------------------------------------


def iter_export(store: Store) -> Iterator[dict[str, Any]]:
    """Every response as a plain record, oldest first, streamed.

    ``assessment`` (when the round was started) and ``round`` (1 for the
    leader's first assessment on the instrument id, 2 for the next, ...)
    say which of the leader's assessments the response belongs to.

    Reads in batches (``store.responses.every``): the number of queries grows
    with the responses in all, not with how many one leader has.
    """
    every = assessments.every(store)
    rounds = assessments.round_numbers(every)
    by_id = {a.id: a for a in every}
    for row, resp in responses.every(store):
        a = by_id.get(row["assessment_id"])
        if a is None:  # a pulse's answer: pulses are not rounds, and are not exported
            continue
        yield {
            "leader": a.leader.name,
            "cohort": a.leader.cohort,
            "instrument": a.instrument_id,
            "instrument_version": a.instrument_version,
            "instrument_hash": a.instrument_hash,
            "assessment": a.created_at,
            "round": rounds[a.id],
            "group": resp.group,
            "rater": row["rater_hash"],
            "started_at": row["started_at"],
            "submitted_at": row["submitted_at"],
            "answers": dict(resp.answers),
            "comments": dict(resp.comments),
        }


def iter_leaders(store: Store) -> Iterator[dict[str, Any]]:
    """Every leader, by name, with their assessments (oldest first) as plain records, streamed.

    Leaders with no response, and rounds nobody answered yet, are here too;
    ``round`` numbers a leader's assessments on each instrument id as
    ``iter_export`` does. Two queries in all.
    """
    every = assessments.every(store)
    rounds = assessments.round_numbers(every)
    by_leader: dict[int, list[dict[str, Any]]] = {}
    for a in every:
        by_leader.setdefault(a.leader.id, []).append(
            {
                "instrument": a.instrument_id,
                "instrument_version": a.instrument_version,
                "instrument_hash": a.instrument_hash,
                "created_at": a.created_at,
                "round": rounds[a.id],
            }
        )
    for leader in store.leaders():
        yield {"name": leader.name, "cohort": leader.cohort, "assessments": by_leader.get(leader.id, [])}


def iter_releases(store: Store) -> Iterator[dict[str, Any]]:
    """Every row of the release ledger, oldest first, with the round it belongs to (as ``iter_export``
    names it); ``figures`` is the ledger's text, verbatim. Two queries in all."""
    every = assessments.every(store)
    rounds = assessments.round_numbers(every)
    by_id = {a.id: a for a in every}
    rows = store.conn.execute(
        "SELECT assessment_id, released_at, kind, file_digest, figures FROM releases ORDER BY id"
    )
    for row in rows:
        a = by_id.get(row["assessment_id"])
        if a is None:  # a pulse's release: pulses are not exported
            continue
        yield {
            "leader": a.leader.name,
            "instrument": a.instrument_id,
            "instrument_version": a.instrument_version,
            "instrument_hash": a.instrument_hash,
            "assessment": a.created_at,
            "round": rounds[a.id],
            "kind": row["kind"],
            "released_at": row["released_at"],
            "file_digest": row["file_digest"],
            "figures": row["figures"],
        }


def release_count(store: Store) -> int:
    """How many release records the workspace holds."""
    return int(store.conn.execute("SELECT COUNT(*) FROM releases").fetchone()[0])


# -- writing -----------------------------------------------------------------------------


def write_json(store: Store, out: TextIO) -> int:
    """Every instrument snapshot, leader (with their assessment rounds), release record and response
    as one JSON document; the number of responses."""
    # The workspace's id (not secret; it names the key file): a restore into a new workspace takes it, so
    # the same key file recognises raters who answer again (leadcheck.store.raters).
    out.write(
        f'{{"{EXPORT_KEY}": {EXPORT_VERSION},\n"workspace": {json.dumps(store.workspace_id)},\n"instruments": ['
    )
    for i, (content_hash, source) in enumerate(store.instrument_sources()):
        out.write("," if i else "")
        out.write("\n" + json.dumps({"hash": content_hash, "source": source}, ensure_ascii=False))
    out.write('\n],\n"leaders": [')
    for i, leader in enumerate(iter_leaders(store)):
        out.write("," if i else "")
        out.write("\n" + json.dumps(leader, ensure_ascii=False))
    out.write('\n],\n"releases": [')
    for i, release in enumerate(iter_releases(store)):
        out.write("," if i else "")
        out.write("\n" + json.dumps(release, ensure_ascii=False))
    out.write('\n],\n"responses": [')
    count = 0
    for record in iter_export(store):
        out.write("," if count else "")
        out.write("\n" + json.dumps(record, ensure_ascii=False))
        count += 1
    out.write("\n]}\n")
    return count


def _csv_columns(store: Store) -> tuple[list[str], list[str]]:
    """Item ids and question ids across the stored instruments (and any answer outside them)."""
    items: dict[str, None] = {}
    questions: dict[str, None] = {}
    for content_hash in store.snapshots.hashes():
        inst = store.snapshots.instrument(content_hash)
        assert inst is not None, "a hash the workspace listed"
        items.update(dict.fromkeys(inst.items))
        questions.update(dict.fromkeys(q.id for q in inst.questions))
    items.update(dict.fromkeys(responses.ids_beyond(store, "answers", items)))
    questions.update(dict.fromkeys(responses.ids_beyond(store, "comments", questions)))
    return list(items), list(questions)


def write_csv(store: Store, out: TextIO) -> int:
    """Every response as one CSV row (n/a: not observed; empty: skipped); the number of responses.

    Only responses: leaders and rounds without any, and the release ledger, are in the JSON export
    alone (the command warns when a CSV export leaves release records behind).
    """
    items, questions = _csv_columns(store)
    writer = csv.writer(out)
    # Every cell is protected, header and instrument fields too: an instrument's version,
    # an item id kept from an old snapshot, a group name all come from someone's file.
    writer.writerow([protect(c) for c in (*EXPORT_COLUMNS, *items, *(COMMENT_PREFIX + q for q in questions))])
    count = 0
    for record in iter_export(store):
        answers: Mapping[str, Answer] = record["answers"]
        comments: Mapping[str, str] = record["comments"]
        row = [
            protect(record["leader"]),
            protect(record["cohort"] or ""),
            *(protect(str(record[c] or "")) for c in EXPORT_COLUMNS[2:]),
        ]
        row += [_answer_cell(answers, item) for item in items]
        row += [protect(comments.get(q, "")) for q in questions]
        writer.writerow(row)
        count += 1
    return count


def _answer_cell(answers: Mapping[str, Answer], item: str) -> str:
    if item not in answers:
        return ""
    value = answers[item]
    # An answer is an integer (a number to a spreadsheet, "-1" included) or "n/a"; anything
    # else an older workspace might hold is protected like text.
    return NOT_OBSERVED if value is None else str(value) if isinstance(value, int) else protect(str(value))


# -- reading -----------------------------------------------------------------------------


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
        answers = self._answers(record.get("answers"), instrument, report)
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
        self, raw: object, instrument: Instrument, report: Callable[[str, str], None]
    ) -> dict[str, Answer]:
        answers: dict[str, Answer] = {}
        if not isinstance(raw, Mapping):
            report("answers must be a mapping of item ids to values", "")
            return answers
        scale = instrument.scale
        for item, value in raw.items():
            if item not in instrument.items:
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
    the parsed document (see ``_outline``).
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
    outline = _outline(text)
    records: Iterator[Any] | None
    if outline is not None:
        document, at = outline
        records = _array(text, at) if at is not None else None
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
        records = _popping(listed) if isinstance(listed, list) else None
    if not isinstance(document, dict) or document.get(EXPORT_KEY) not in READ_VERSIONS:
        problems.error(f'not a leadcheck export: "{EXPORT_KEY}": {EXPORT_VERSION} is missing')
        return None
    return document, records


_WHITESPACE = re.compile(r"[ \t\n\r]*")  # what JSON allows between tokens
_DECODER = json.JSONDecoder()


def _outline(text: str) -> tuple[dict[str, Any], int | None] | None:
    """An export's top-level values but its "responses" array, and where that array starts (None:
    there is no such array); every record is checked as JSON and let go of.

    None for anything else (not JSON, a key twice, nesting too deep, ...):
    ``json.loads`` then reads the text whole, as it always did.
    """
    values: dict[str, Any] = {}
    at: int | None = None
    try:
        i = _past(text, 0, "{")
        while text[i] != "}" or values or at is not None:
            key, i = _DECODER.raw_decode(text, i)
            if not isinstance(key, str) or key in values or (key == "responses" and at is not None):
                return None
            i = _past(text, i, ":")
            if key == "responses" and text[i] == "[":
                at = i
                i = _skip_array(text, i)
            else:
                values[key], i = _DECODER.raw_decode(text, i)
            i = _space(text, i)
            if text[i] == "}":
                break
            i = _past(text, i, ",")
    except (json.JSONDecodeError, RecursionError, IndexError, ValueError):
        return None
    return (values, at) if _space(text, i + 1) == len(text) else None


def _space(text: str, i: int) -> int:
    """Past the whitespace at ``i``."""
    found = _WHITESPACE.match(text, i)
    assert found is not None, "matches the empty string too"
    return found.end()


def _past(text: str, i: int, token: str) -> int:
    """Past ``token`` at ``i``, and the whitespace around it; ValueError when it is not there."""
    i = _space(text, i)
    if text[i] != token:
        raise ValueError(token)
    return _space(text, i + 1)


def _array(text: str, i: int) -> Generator[Any, None, int]:
    """The elements of the JSON array at ``i``, each parsed as it is reached; returns where it ends."""
    i = _past(text, i, "[")
    if text[i] == "]":
        return i + 1
    while True:
        value, i = _DECODER.raw_decode(text, i)
        yield value
        i = _space(text, i)
        if text[i] == "]":
            return i + 1
        i = _past(text, i, ",")


def _skip_array(text: str, i: int) -> int:
    """Past the JSON array at ``i``, each element parsed and let go of."""
    elements = _array(text, i)
    while True:
        try:
            next(elements)
        except StopIteration as done:
            return int(done.value)


def _popping(records: list[Any]) -> Iterator[Any]:
    """The records in order, each let go of by the list as it is handed on."""
    records.reverse()
    while records:
        yield records.pop()


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


def iter_known_raters(store: Store) -> Iterator[tuple[str, str, str, str]]:
    """(leader as compared, instrument id, rater hash, when its round was started) of every stored response."""
    for record in iter_export(store):
        yield leader_key(record["leader"]), record["instrument"], record["rater"], record["assessment"]


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
