"""Survey tool CSV exports (and generic one-row-per-rater CSVs) read into checked responses."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath

from leadcheck.base import text as txt
from leadcheck.base.problems import ERROR, Location, Problems, shorten
from leadcheck.base.responses import Answer, IncomingResponse
from leadcheck.importing import layouts
from leadcheck.importing.columns import (
    AnswerError,
    ColumnMatcher,
    Target,
    describe_groups,
    loose,
    match_group,
    parse_answer,
)
from leadcheck.importing.csvfile import Record, Table
from leadcheck.importing.layouts import Column, Header
from leadcheck.importing.model import ImportOptions, Parsed
from leadcheck.importing.resolve import Instruments, label
from leadcheck.importing.timestamps import TimestampError, parse_timestamp
from leadcheck.instrument.model import Instrument, importance_problem
from leadcheck.store import cohort_name_problem

# Qualtrics' Status of responses that are not real ones: previews, tests, spam.
QUALTRICS_NOT_REAL = frozenset({"surveypreview", "surveytest", "spam", "1", "2", "8"})
# Microsoft Forms writes this in Email and Name when the form is anonymous.
ANONYMOUS = "anonymous"
# What a browser or Microsoft Forms adds to a file name on another download: "(1)", "(1-12)".
_DOWNLOAD_COUNTER = re.compile(r"\s*\(\d+(?:-\d+)?\)$")


@dataclass
class Roles:
    """Which columns say who and when, and which hold answers."""

    leader: Column | None = None
    group: Column | None = None
    cohort: Column | None = None
    email: Column | None = None
    response_id: Column | None = None
    # Microsoft Forms' IDs restart at 1 in every form: an ID is paired with its start time.
    started: Column | None = None
    submitted: Column | None = None
    status: Column | None = None
    content: list[Column] = field(default_factory=list)
    untitled: list[Column] = field(default_factory=list)


@dataclass
class Mapping:
    """The columns of one file mapped onto one instrument."""

    targets: dict[int, Target]
    usable: bool  # at least one item has a column


def _find(head: Header, wanted: str, option: str, problems: Problems) -> Column | None:
    key = loose(wanted)
    for column in head.columns:
        if any(loose(t) == key for t in column.titles if t) or column.import_id == wanted:
            return column
    titles = ", ".join(f'"{shorten(c.display)}"' for c in head.columns[:12] if c.display)
    problems.error(
        f'{option} "{wanted}": no such column; the columns are {titles}', row=head.line, code="no-such-column"
    )
    return None


def _first(head: Header, names: Iterable[str]) -> Column | None:
    for name in names:
        for column in head.columns:
            if column.named(frozenset({name})):
                return column
    return None


def assign_roles(head: Header, options: ImportOptions, problems: Problems) -> Roles:
    roles = Roles()
    role_columns: set[int] = set()
    auto_leader = _first(head, layouts.LEADER_TITLES)
    auto_group = _first(head, layouts.GROUP_TITLES)
    if options.leader_column:
        roles.leader = _find(head, options.leader_column, "--leader-column", problems)
    elif options.leader is None:
        roles.leader = auto_leader
    if options.group_column:
        roles.group = _find(head, options.group_column, "--group-column", problems)
    elif options.group is None:
        roles.group = auto_group
    if options.cohort is None:
        roles.cohort = _first(head, layouts.COHORT_TITLES)
    # A leader or group column the flags override is still not a question.
    for column in (auto_leader, auto_group, roles.leader, roles.group, _first(head, layouts.COHORT_TITLES)):
        if column is not None:
            role_columns.add(column.index)
    ignored: set[int] = set()
    for wanted in options.ignore_columns:
        found = _find(head, wanted, "--ignore-column", problems)
        if found is not None:
            ignored.add(found.index)
    spec = head.spec
    roles.email = _first(head, spec.email)
    roles.response_id = _first(head, spec.ids)
    roles.submitted = _first(head, spec.submitted)
    if spec.name == "msforms":
        roles.started = _first(head, ("starttime",))
    if spec.name == "qualtrics":
        roles.status = _first(head, ("status",))
    for column in head.columns:
        if column.index in role_columns or column.index in ignored or head.is_metadata(column):
            continue
        if any(t.strip() for t in column.titles):
            roles.content.append(column)
        else:
            roles.untitled.append(column)
    return roles


def map_columns(
    head: Header, roles: Roles, instrument: Instrument, problems: Problems, allow_missing: bool = False
) -> Mapping:
    """Each content column's item or question in ``instrument``; problems for those that have none.

    Items with no column at all are one error (one warning with ``allow_missing``:
    they then count as skipped by every rater).
    """
    matcher = ColumnMatcher(instrument)
    targets: dict[int, Target] = {}
    claimed: dict[Target, Column] = {}
    name = label(instrument)
    for column in roles.content:
        target = matcher.match(column.titles)
        if target is None:
            hint = matcher.suggest(column.titles) or (
                f'name the column by an item id (e.g. "{next(iter(instrument.items))}") or the item\'s '
                "text, or leave it out with --ignore-column"
            )
            problems.error(
                f"matches no item or question of {name}; {hint}",
                row=head.line,
                column=column.display,
                index=column.index + 1,
                code="unknown-column",
            )
            continue
        if target in claimed:
            problems.error(
                f'holds {target.kind} "{target.id}" like column "{shorten(claimed[target].display)}"; '
                "remove one of them",
                row=head.line,
                column=column.display,
                index=column.index + 1,
                code="same-item-twice",
            )
            continue
        claimed[target] = column
        targets[column.index] = target
    mapped = {t.id for t in targets.values() if t.kind == "item"}
    missing = [item for item in instrument.items if item not in mapped]
    if not mapped:
        problems.error(
            f"no column matches an item of {name}; name columns by item id "
            f'(e.g. "{next(iter(instrument.items))}") or item text, or choose the instrument with --instrument',
            row=head.line,
            code="no-item-columns",
        )
    elif missing:
        shown = ", ".join(missing[:12]) + (f" and {len(missing) - 12} more" if len(missing) > 12 else "")
        what = f"no column for {txt.count(len(missing), 'item')} of {name} ({shown})"
        if allow_missing:
            problems.warning(f"{what}; they count as skipped", row=head.line, code="missing-items")
        else:
            problems.error(
                f"{what}; expected a column for every item: add the missing columns, or add "
                "--allow-missing-items to import anyway (every rater then skips those items)",
                row=head.line,
                code="missing-items",
            )
    return Mapping(targets, bool(mapped))


def _cell(record: Record, column: Column | None) -> str:
    if column is None or column.index >= len(record.cells):
        return ""
    return record.cells[column.index].strip()


class SurveyReader:
    """Reads the data rows of one CSV file in one survey layout."""

    def __init__(
        self,
        source: str,
        table: Table,
        layout: str,
        options: ImportOptions,
        instruments: Instruments,
        problems: Problems,
    ) -> None:
        self.source = source
        self.table = table
        self.options = options
        self.instruments = instruments
        self.problems = problems
        self.head = layouts.header(layout, table.head)
        self.form = form_key(source, table.head[: self.head.first_data])
        self.roles = assign_roles(self.head, options, problems)
        self._mappings: dict[str, Mapping] = {}
        self._flag_group: dict[str, str | None] = {}
        # loose(value) -> [index of its problem in problems.found, rows naming it]
        self._unknown_groups: dict[str, list[int]] = {}

    def mapping(self, instrument: Instrument) -> Mapping:
        found = self._mappings.get(instrument.content_hash)
        if found is None:
            found = map_columns(
                self.head, self.roles, instrument, self.problems, self.options.allow_missing_items
            )
            self._mappings[instrument.content_hash] = found
        return found

    def flag_group(self, instrument: Instrument) -> str | None:
        """--as checked against the instrument (a problem, once, when it is not one of its groups)."""
        assert self.options.group is not None
        key = instrument.content_hash
        if key not in self._flag_group:
            group = match_group(self.options.group, instrument)
            if group is None:
                self.problems.error(
                    f'--as "{self.options.group}" is not a rater group of {label(instrument)}; '
                    f"expected one of: {describe_groups(instrument)}",
                    code="unknown-group",
                )
            self._flag_group[key] = group
        return self._flag_group[key]

    def row_group(self, cell: str, instrument: Instrument) -> str | None:
        """The group a row's cell names: by --group-map first, then by the instrument's ids and labels.

        "" for a value already reported as unknown (counted, not reported again).
        """
        key = loose(cell)
        if key and key in self._unknown_groups:
            self._unknown_groups[key][1] += 1
            return ""
        for given, target in self.options.group_map:
            if key and loose(given) == key:
                found = match_group(target, instrument)
                if found is None:
                    self.problems.error(
                        f'--group-map "{given}={target}": "{target}" is not a rater group of '
                        f"{label(instrument)}; expected one of: {describe_groups(instrument)}",
                        code="unknown-group",
                    )
                    self._unknown_groups[key] = [len(self.problems.found) - 1, 0]
                    return ""
                return found
        return match_group(cell, instrument)

    def _count_unknown_groups(self) -> None:
        """Add to each unknown group's one problem how many more rows name it."""
        for index, count in self._unknown_groups.values():
            if count > 1:
                problem = self.problems.found[index]
                more = count - 1
                self.problems.found[index] = dataclasses.replace(
                    problem, message=f"{problem.message} ({txt.count(more, 'more row')} name it too)"
                )

    def read(self) -> Iterator[Parsed]:
        """The file's responses, one row at a time: the table is walked, never held whole."""
        head, roles, options, problems = self.head, self.roles, self.options, self.problems
        width = len(head.columns)
        if self.table.count <= head.first_data:
            problems.error("no responses below the header", code="no-responses")
            return
        if options.leader is None and roles.leader is None and not options.leader_column:
            problems.error(
                "no leader: name one with --leader NAME, or the column that holds it with --leader-column COL",
                code="no-leader",
            )
        if options.group is None and roles.group is None and not options.group_column:
            problems.error(
                "no rater group: give one with --as GROUP, or the column that holds it with --group-column COL",
                code="no-group",
            )
        base = self.instruments.base()
        not_real = 0
        untitled_used: set[int] = set()  # untitled columns with something in them
        for record in self.table.rows(head.first_data):
            untitled_used.update(c.index for c in roles.untitled if _cell(record, c))
            cells = record.cells
            if len(cells) < width:
                problems.error(
                    f"row has {len(cells)} cells but the header has {width}; the file may be truncated",
                    row=record.line,
                    code="too-few-cells",
                )
                continue
            if len(cells) > width and any(c.strip() for c in cells[width:]):
                problems.error(
                    f"row has {len(cells)} cells but the header has {width}; a cell may hold an unquoted "
                    f'"{self.table.delimiter}"',
                    row=record.line,
                    code="too-many-cells",
                )
                continue
            if roles.status is not None and loose(_cell(record, roles.status)) in QUALTRICS_NOT_REAL:
                not_real += 1
                continue
            parsed = self.read_row(record, base)
            if parsed is not None:
                yield parsed
        self._count_unknown_groups()
        for column in roles.untitled:
            if column.index in untitled_used:
                problems.warning(
                    f"column {column.index + 1} has no title; its cells are ignored",
                    row=head.line,
                    code="untitled-column",
                )
        if not_real:
            problems.note(
                f"skipped {not_real} survey preview, test or spam response{'s' * (not_real != 1)} (Status column)",
                code="not-a-response",
            )

    # About 80 lines: one check after another on the cells of one row (leader, group, each answer),
    # each reported with the row's place; it reads top to bottom as the row does, left to right.
    def read_row(self, record: Record, base: Instrument) -> Parsed | None:
        roles, options, problems = self.roles, self.options, self.problems
        before = len(problems.found)
        leader = options.leader or _cell(record, roles.leader)
        if roles.leader is not None and not options.leader and not leader:
            problems.error(
                "no leader named; fill in the cell or give --leader",
                row=record.line,
                column=roles.leader.display,
                index=roles.leader.index + 1,
                code="no-leader",
            )
        instrument = self.instruments.effective(leader, base) if leader else base
        mapping = self.mapping(instrument)
        group: str | None = None
        if options.group is not None:
            group = self.flag_group(instrument)
        elif roles.group is not None:
            cell = _cell(record, roles.group)
            group = self.row_group(cell, instrument)
            if group == "":
                return None  # an unknown group named before: one problem for all its rows
            if not cell:
                problems.error(
                    "no rater group named; fill in the cell or give --as",
                    row=record.line,
                    column=roles.group.display,
                    index=roles.group.index + 1,
                    code="no-group",
                )
            elif group is None:
                self._unknown_groups[loose(cell)] = [len(problems.found), 1]
                problems.error(
                    f'"{cell}" is not a rater group of {label(instrument)}; expected one of: '
                    f'{describe_groups(instrument)}; or say which it is with --group-map "{cell}=GROUP"',
                    row=record.line,
                    column=roles.group.display,
                    index=roles.group.index + 1,
                    code="unknown-group",
                )
        answers: dict[str, Answer] = {}
        comments: dict[str, str] = {}
        for index, target in mapping.targets.items():
            cell = record.cells[index].strip()
            if not cell:
                continue  # blank: not answered (skipped), unlike "n/a" (not observed)
            if target.kind == "question":
                comments[target.id] = cell
                continue
            refused = importance_problem(instrument, group, target.id) if group else None
            if refused is not None:
                problems.error(
                    refused,
                    row=record.line,
                    column=self.head.columns[index].display,
                    index=index + 1,
                    code="importance-not-asked",
                )
                continue
            try:
                answers[target.id] = parse_answer(cell, instrument.scale)
            except AnswerError as e:
                problems.error(
                    str(e),
                    row=record.line,
                    column=self.head.columns[index].display,
                    index=index + 1,
                    code="invalid-answer",
                )
        cohort = options.cohort or _cell(record, roles.cohort) or None
        # A --cohort is checked once where it is stored; a cohort cell, on its row.
        cohort_problem = cohort_name_problem(cohort) if cohort and not options.cohort else None
        if cohort_problem is not None:
            problems.error(cohort_problem, row=record.line, code="invalid-cohort")
        submitted: str | None = None
        try:
            submitted = parse_timestamp(_cell(record, roles.submitted), self.head.spec.month_first)
        except TimestampError as e:
            problems.error(str(e), row=record.line, code="invalid-timestamp")
        if any(p.level == ERROR for p in problems.found[before:]):
            return None
        if not leader or group is None or not mapping.usable:
            return None
        if not answers and not comments:
            problems.warning("row holds no answers; skipped", row=record.line, code="no-answers")
            return None
        identity, kind = self.identity(record)
        where = Location(self.source, record.line)
        response = IncomingResponse(
            leader=leader,
            group=group,
            answers=answers,
            comments=comments,
            source=str(where),
            rater_identity=identity,
            submitted_at=submitted,
            cohort=cohort,
        )
        return Parsed(instrument, response, where, kind)

    def identity(self, record: Record) -> tuple[str | None, str]:
        """Who answered, as stably as the file says: an email, else the tool's response id.

        An email is the same rater in every file. A response id that numbers
        each form anew (Microsoft Forms' ID) is scoped to its form, so the
        peers' form and the direct reports' form never share a rater, while
        the same file imported again gives every rater the same identity.
        """
        email = _cell(record, self.roles.email)
        if email and email.casefold() != ANONYMOUS:
            return email, "email"
        column = self.roles.response_id
        response_id = _cell(record, column)
        if response_id:
            started = _cell(record, self.roles.started)
            suffix = f"@{started}" if started else ""
            spec = self.head.spec
            scope = f"{self.form}:" if column is not None and column.named(spec.form_ids) else ""
            return f"{spec.name}:{scope}{response_id}{suffix}", "response id"
        return None, ""


def form_key(source: str, header: Sequence[Record]) -> str:
    """Which form a CSV file is an export of: a hash of its file name and its header rows.

    The name is taken without its folder, case or a download counter such as
    "(1)" or "(1-12)", so the same form downloaded again (with more responses)
    is the same form.
    """
    path = PurePath(source)
    digest = hashlib.sha256()
    digest.update((_DOWNLOAD_COUNTER.sub("", path.stem) + path.suffix).casefold().encode())
    for record in header:
        digest.update(("\n" + "\x00".join(c.strip() for c in record.cells)).encode())
    return digest.hexdigest()[:16]
