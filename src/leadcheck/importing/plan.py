"""An import in two steps: read and check every file (plan), then store it all or nothing (apply)."""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from leadcheck.base.errors import ImportProblemError, InstrumentError, UsageError
from leadcheck.base.infiles import check_regular
from leadcheck.base.problems import ERROR, WARNING, Location, Problem, Problems
from leadcheck.base.responses import content_digest
from leadcheck.importing import kinds, layouts, readers
from leadcheck.importing.closenames import CloseNames, close_name_message
from leadcheck.importing.export import ExportReader, iter_known_raters
from leadcheck.importing.model import (
    FileReport,
    ImportOptions,
    Parsed,
    PlannedLeader,
    PlannedPlan,
    PlannedRelease,
    PlannedRound,
    Unchanged,
)
from leadcheck.importing.policy import add_responses, stored_group
from leadcheck.importing.resolve import Instruments, label
from leadcheck.importing.staging import Staging
from leadcheck.instrument.model import SELF, Instrument
from leadcheck.store import Leader, Store, leader_key, leader_name_problem
from leadcheck.store.responses import BATCH

LAYOUT_LABELS = {
    kinds.RESPONSE.name: kinds.RESPONSE.label,
    "export": "leadcheck export",
    **{name: spec.label for name, spec in layouts.SPECS.items()},
}


@dataclass
class ImportPlan:
    """Everything read from the files, checked; nothing stored yet.

    The responses to store are rows of one temporary database (``staging``),
    their answers and comments in a table of their own there: the plan's memory
    does not grow with the rows of the files. It is let go of once the plan
    is applied, when it has errors (it never will be), or with the plan.
    """

    problems: list[Problem] = field(default_factory=list)
    already: Unchanged = field(default_factory=Unchanged)  # export records this workspace holds already
    files: list[FileReport] = field(default_factory=list)
    leaders: list[PlannedLeader] = field(default_factory=list)  # leaders an export lists
    rounds: list[PlannedRound] = field(default_factory=list)  # assessment rounds exports name, in order
    releases: list[PlannedRelease] = field(default_factory=list)  # release records exports carry
    plans: list[PlannedPlan] = field(default_factory=list)  # development plans exports carry
    workspace_id: str | None = None  # the id of the workspace an export came from (to restore it)
    staging: Staging = field(default_factory=Staging)  # who answered about whom, where, and what

    @property
    def parsed(self) -> Iterator[Parsed]:
        """The responses to store, in file order, without their answers (``staging.load_batch`` gives them)."""
        return iter(self.staging)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == ERROR]

    @property
    def ok(self) -> bool:
        return not self.errors

    def close(self) -> None:
        """Let go of the temporary database; the plan can no longer be applied."""
        self.staging.close()


def check_paths(paths: Sequence[Path]) -> list[Path]:
    """The files to import, each once; UsageError for one that does not exist."""
    seen: set[Path] = set()
    out: list[Path] = []
    for path in paths:
        if not path.exists():
            raise UsageError(f"{path}: no such file")
        if path.is_dir():
            raise UsageError(f"{path}: is a folder; name the files to import")
        check_regular(path, "file to import")  # a named pipe would block forever, a device never end
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            out.append(path)
    return out


def plan_import(paths: Sequence[Path], options: ImportOptions, store: Store | None) -> ImportPlan:
    """Read and check every file; the plan holds every problem found, in every file.

    A plan with errors is closed before it is returned (it cannot be applied),
    as is one whose reading stops on an exception (Ctrl-C included).
    """
    plan = ImportPlan()
    try:
        _read_files(plan, paths, options, store)
        _check_across_files(plan, store)
    except BaseException:
        plan.close()
        raise
    if not plan.ok:
        plan.close()
    return plan


def _read_files(plan: ImportPlan, paths: Sequence[Path], options: ImportOptions, store: Store | None) -> None:
    """Each file read with its reader, each response checked on its own as it is read, in file order."""
    instruments = Instruments(store, options.instrument)
    if options.instrument:
        instruments.base()  # a bad --instrument is one clear error, before any file is read
    known_raters: set[tuple[str, str, str, str]] | None = None
    in_any_round: set[tuple[str, str, str]] = set()

    def known(leader: str, instrument_id: str, rater: str, started: str | None) -> bool:
        nonlocal known_raters
        if known_raters is None:
            known_raters = set(iter_known_raters(store)) if store is not None else set()
            in_any_round.update(k[:3] for k in known_raters)
        if started is None:
            return (leader, instrument_id, rater) in in_any_round
        return (leader, instrument_id, rater, started) in known_raters

    admit = _Admission(plan)
    files = readers.Readers()
    for path in check_paths(paths):
        source = str(path)
        problems = Problems(source)
        read = files.read(path, readers.ReadContext(source, options, instruments, problems, known, store))
        count, before = 0, plan.staging.last
        for p in _stopping_at_instrument_errors(read.parsed, problems):
            count += 1
            admit(p)
        if read.export is not None:
            _take_rounds(plan, read.export, before)
        shown_as = LAYOUT_LABELS.get(read.layout) or readers.label_of(read.layout)
        plan.files.append(FileReport(source, shown_as, count))
        plan.problems += problems.found


def _check_across_files(plan: ImportPlan, store: Store | None) -> None:
    """The checks across every response read; problems in the order of their places."""
    _latest_per_rater(plan)
    _one_snapshot_per_leader(plan)
    _refuse_rounds_mixed_with_current(plan)
    if store is not None:
        _refuse_group_changes(plan, store)
    _warn_about_close_names(plan, store)
    plan.problems.sort(key=_place_then_message)


def _place_then_message(p: Problem) -> tuple[object, ...]:
    """Problems at one place in the order of their messages, as before each had a code of its own."""
    return (p.location, p.csv_index, p.csv_column, p.level, p.message, p.code)


# Codes of the problems found across files (a file's own problems are coded where they are read).
LEADER_NAME = "leader-name"
SAME_FORM_TWICE = "same-form-twice"
CONTROL_CHARACTER = "control-character"
GROUP_CHANGE = "group-change"
CLOSE_NAME_CODE = "close-name"
TWO_SNAPSHOTS = "two-snapshots"
ROUNDS_AND_CURRENT = "rounds-and-current"
SAME_RATER_TWICE = "same-rater-twice"


# In a comment: C0 controls but tab and line breaks, DEL and C1 controls. A NUL or a terminal
# escape is never something a rater typed: the file is damaged, or someone means harm.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class _Admission:
    """The checks of one response on its own, as it is read; a response that passes joins the plan.

    Each response read is checked in file order (its leader's name, a second
    questionnaire of the same rater, control characters), given an identity
    when the file names none, and then kept in the plan's database without
    its answers (they are spooled apart): the checks across responses
    that follow need only who answered about whom.
    """

    def __init__(self, plan: ImportPlan) -> None:
        self.plan = plan
        self.bad_names: set[tuple[str, str]] = set()  # (file, name) reported
        self.forms: dict[int, Parsed] = {}  # a roster rater -> their first questionnaire, spooled

    def __call__(self, p: Parsed) -> None:
        if self.bad_leader_name(p) or self.same_form_twice(p) or self.control_character(p):
            return
        self.plan.staging.add(self.plan.staging.spool(self.with_identity(p)))

    def bad_leader_name(self, p: Parsed) -> bool:
        """A leader name with a line break or tab, or as long as a paragraph: one problem per file and name."""
        problem = leader_name_problem(p.response.leader)
        if problem is None:
            return False
        if (p.where.path, p.response.leader) not in self.bad_names:
            self.bad_names.add((p.where.path, p.response.leader))
            self.plan.problems.append(
                Problem(p.where, ERROR, LEADER_NAME, f"{problem}; correct it in the file")
            )
        return True

    def same_form_twice(self, p: Parsed) -> bool:
        """Two different questionnaires of one rater in one import: which is the correction is unknown.

        The same form twice is read once; different answers are refused, naming
        both files (import the corrected one on its own: it replaces the earlier).
        """
        rater = p.campaign_rater
        if rater is None:
            return False
        kept = self.forms.get(rater)
        if kept is None:
            self.forms[rater] = self.plan.staging.spool(p)  # a questionnaire's answers, kept aside too
            return False
        earlier = self.plan.staging.load(kept)
        same = dict(earlier.response.answers) == dict(p.response.answers) and dict(
            earlier.response.comments
        ) == dict(p.response.comments)
        if not same:
            self.plan.problems.append(
                Problem(
                    p.where,
                    ERROR,
                    SAME_FORM_TWICE,
                    f"this is the same rater's questionnaire as {earlier.where}, with different "
                    "answers; import only the one to keep (a form imported later replaces the earlier one)",
                )
            )
        return True

    def control_character(self, p: Parsed) -> bool:
        """A comment holding a control character: one problem naming the question, never the text."""
        bad = next(
            ((q, m.group()) for q, text in p.response.comments.items() if (m := _CONTROL.search(text))),
            None,
        )
        if bad is None:
            return False
        self.plan.problems.append(
            Problem(
                p.where,
                ERROR,
                CONTROL_CHARACTER,
                f'the comment to "{bad[0]}" holds the control character U+{ord(bad[1]):04X}, which '
                "no one types; the file is damaged or altered: correct the comment in the file",
            )
        )
        return True

    def with_identity(self, p: Parsed) -> Parsed:
        """A stable identity for a rater the file does not name: their response and its place among equals.

        Two raters who gave identical answers (and no name, email or response id)
        stay two raters: the n-th identical response is "#n". Importing the same
        file again gives every response the same identity, so nobody counts twice.
        """
        response = p.response
        if response.rater_identity is not None or response.group == SELF:
            return p
        key = content_digest(response)
        nth = self.plan.staging.nth_anonymous(key)
        response = dataclasses.replace(response, rater_identity=f"anonymous:{key}#{nth}")
        return dataclasses.replace(p, response=response)


def _refuse_group_changes(plan: ImportPlan, store: Store) -> None:
    """A rater the workspace holds in one rater group cannot answer about the same leader in another.

    The store never moves a response between groups (see ``policy.add_responses``);
    here it is a problem with the file and line, found before anything is stored.
    """
    for name, _first in plan.staging.first_of_each_leader():
        leader = store.leaders.find(name)
        if leader is not None:  # only a leader the workspace holds has raters in a group already
            _refuse_group_changes_of(plan, store, leader, name)


def _refuse_group_changes_of(plan: ImportPlan, store: Store, leader: Leader, name: str) -> None:
    """Each row about a leader the workspace holds, against the group its rater answered in before."""
    for p in plan.staging.of_leader(name):
        r = p.response
        if p.round is None:
            stored = stored_group(store, r, p.instrument.id)
        else:
            assessment = store.assessments.find(leader, p.instrument.content_hash, *p.round.key)
            stored = stored_group(store, r, p.instrument.id, assessment) if assessment is not None else None
        if stored is not None and stored != r.group:
            plan.problems.append(
                Problem(
                    p.where,
                    ERROR,
                    GROUP_CHANGE,
                    f"this rater (same {p.identity_kind or 'answers'}) already answered about "
                    f'"{r.leader}" as {stored}, here as {r.group}; a rater answers in one group '
                    "only: correct the group in the file, or leave this response out",
                )
            )


def _warn_about_close_names(plan: ImportPlan, store: Store | None) -> None:
    """A warning for each new leader whose name is close to another's ("Ana Lopes", "Ana Lopez")."""
    names = CloseNames()  # the workspace's leaders first
    for leader in store.leaders.every() if store is not None else []:
        names.add(leader_key(leader.name), leader.name)
    found = [(listed.name, listed.where) for listed in plan.leaders]
    for name, where in itertools.chain(found, plan.staging.first_of_each_leader()):
        key = leader_key(name)
        if key in names:
            continue
        best = names.closest(key)
        names.add(key, name)
        if best:
            plan.problems.append(
                Problem(
                    where,
                    WARNING,
                    CLOSE_NAME_CODE,
                    close_name_message(name, best),
                )
            )


def _one_snapshot_per_leader(plan: ImportPlan) -> None:
    """Refuse answers about one new leader checked against two versions of the same instrument.

    The store files every response about a leader and instrument id under one
    assessment and its snapshot; answers checked against another version
    would be stored against the wrong items. (Responses in the rounds an
    export names are checked against each round's own snapshot.)
    """
    for first, p in plan.staging.with_another_snapshot():
        name = p.response.leader
        plan.problems.append(
            Problem(
                p.where,
                ERROR,
                TWO_SNAPSHOTS,
                f'"{name}" is rated on {label(first.instrument)} at {first.where} and on a '
                f"different snapshot, {label(p.instrument)}, here; import the files of each version "
                "separately, the first version first",
            )
        )


def _refuse_rounds_mixed_with_current(plan: ImportPlan) -> None:
    """Refuse responses for a leader's current round in the import that also brings their rounds.

    Which round is current changes as the export's rounds are stored, and the
    response was checked against the snapshot of the round current before.
    """
    named: dict[tuple[str, str], tuple[str, Location]] = {}  # (leader key, instrument id) -> where named
    for r in plan.rounds:
        named.setdefault((leader_key(r.leader), r.instrument.id), (r.leader, r.where))
    for (_key, instrument_id), (leader, where) in named.items():
        for p in plan.staging.in_current_round(leader, instrument_id):
            plan.problems.append(
                Problem(
                    p.where,
                    ERROR,
                    ROUNDS_AND_CURRENT,
                    f'this response is for the current round of "{p.response.leader}" on '
                    f"{p.instrument.id}, and a leadcheck export in the same import names their rounds "
                    f"({where}); import the export on its own first, then this file",
                )
            )


def _take_rounds(plan: ImportPlan, reader: ExportReader, before: int) -> None:
    """What an export read whole names: leaders, rounds (given to its responses, the rows after
    ``before``), and the records the workspace holds already."""
    plan.already.update(reader.already)
    plan.leaders += reader.leaders
    plan.rounds += reader.rounds
    plan.staging.number_rounds(before, reader.numbered)
    plan.releases += [
        PlannedRelease(leader, instrument, reader.numbered[(leader_key(leader), instrument.id, number)], row)
        for leader, instrument, number, row in reader.releases
    ]
    plan.plans += [
        PlannedPlan(
            leader, instrument, reader.numbered[(leader_key(leader), instrument.id, number)], made, focus
        )
        for leader, instrument, number, made, focus in reader.plans
    ]
    plan.workspace_id = plan.workspace_id or reader.workspace_id


def _stopping_at_instrument_errors(parsed: Iterable[Parsed], problems: Problems) -> Iterator[Parsed]:
    """The responses a reader gives, until an instrument it needs cannot be read (one problem)."""
    try:
        yield from parsed
    except InstrumentError as e:
        problems.error(str(e), code="bad-instrument")


def _latest_per_rater(plan: ImportPlan) -> None:
    """One response per rater and leader: a later one (in file order) replaces an earlier one, with a warning."""
    for first, p in plan.staging.replace_earlier():
        r = p.response
        who = (
            f'a second self-assessment of "{r.leader}"'
            if r.group == SELF
            else f'the same rater (same {p.identity_kind or "answers"}) about "{r.leader}"'
        )
        plan.problems.append(
            Problem(
                first.where,
                WARNING,
                SAME_RATER_TWICE,
                f"{who} again at {p.where}; only the later response is imported",
            )
        )


# -- applying ------------------------------------------------------------------------------


@dataclass
class LeaderOutcome:
    """What the import does for one leader on one instrument."""

    leader: str
    instrument: str  # "psl-360 1.0.0"
    groups: dict[str, int] = field(default_factory=dict)  # responses in the files, per group
    group_labels: dict[str, str] = field(default_factory=dict)
    added: int = 0
    replaced: int = 0
    unchanged: int = 0


@dataclass
class ImportOutcome:
    """What was (or, in a dry run, would be) stored."""

    leaders: list[LeaderOutcome]
    dry_run: bool
    new_leaders: list[str] = field(default_factory=list)  # as stored, those without responses too
    new_rounds: int = 0  # assessment rounds an export named that the workspace did not have
    releases: int = 0  # release records an export carried that the workspace did not have

    @property
    def added(self) -> int:
        return sum(o.added for o in self.leaders)

    @property
    def replaced(self) -> int:
        return sum(o.replaced for o in self.leaders)

    @property
    def unchanged(self) -> int:
        return sum(o.unchanged for o in self.leaders)


def apply_plan(plan: ImportPlan, store: Store, dry_run: bool = False) -> ImportOutcome:
    """Store the plan in one transaction: every leader, round and response, or (on an error) none.

    The leaders and rounds an export names are found or created first, each
    leader's rounds in the order the export numbers them; then each leader's
    responses are stored, in their round or in the leader's current one. A
    dry run does all of it and rolls it back.

    A plan is applied once: its temporary database is let go of
    when this returns, or raises.
    """
    if not plan.ok:
        raise ValueError("a plan with errors cannot be applied")
    try:
        return _apply(plan, store, dry_run)
    finally:
        plan.close()


def _apply(plan: ImportPlan, store: Store, dry_run: bool) -> ImportOutcome:
    if plan.workspace_id is not None and plan.workspace_id != store.workspace_id:
        if store.raters.holds_anything():
            raise ImportProblemError(
                "this leadcheck export comes from another workspace, and this one already holds data: each "
                "workspace has its own key, so a rater of the export who answers again here would count as a "
                "second person in a group a report may then show. Import it into a new workspace (--db "
                "NEW.db), or into the workspace it came from"
            )
        if not dry_run:
            store.raters.restore_identity(plan.workspace_id)
    outcomes: dict[tuple[str, str], LeaderOutcome] = {}
    existed = {leader_key(leader.name) for leader in store.leaders.every()}

    def outcome(instrument: Instrument, leader: str) -> LeaderOutcome:
        key = (label(instrument), leader)
        if key not in outcomes:
            outcomes[key] = LeaderOutcome(
                leader,
                label(instrument),
                group_labels={g.id: g.label for g in instrument.rater_groups},
            )
        return outcomes[key]

    new_rounds = 0
    with store.transaction(dry_run=dry_run):
        for listed in plan.leaders:
            store.leaders.ensure(listed.name, listed.cohort)
        for planned in plan.rounds:
            leader = store.leaders.ensure(planned.leader)
            content_hash = planned.instrument.content_hash
            if store.assessments.find(leader, content_hash, *planned.round.key) is None:
                store.assessments.ensure(leader, planned.instrument, *planned.round.key)
                new_rounds += 1
        _store_responses(plan, store, outcome)
        restored = _store_releases(plan, store)
        _store_plans(plan, store)
        returned = plan.staging.campaign_raters()
        if returned:
            for kind in readers.registered():
                if kind.stored is not None:
                    kind.stored(store, returned)
        new_leaders = [
            leader.name for leader in store.leaders.every() if leader_key(leader.name) not in existed
        ]
    for instrument, name, group, count in plan.already:
        found = store.leaders.find(name)
        result = outcome(instrument, found.name if found is not None else name)
        result.unchanged += count
        result.groups[group] = result.groups.get(group, 0) + count
    ordered = sorted(outcomes.values(), key=lambda o: (o.leader.casefold(), o.instrument))
    return ImportOutcome(ordered, dry_run, sorted(new_leaders, key=str.casefold), new_rounds, restored)


def _store_releases(plan: ImportPlan, store: Store) -> int:
    """The release records the exports carry, each in its round, unless the round has it already
    (same kind, time, file digest and figures); how many were added.

    The ledger is what keeps later reports from being set against earlier ones:
    a workspace restored from an export guards as the one it was exported from.
    """
    added = 0
    for planned in plan.releases:
        leader = store.leaders.get(planned.leader)
        assessment = store.assessments.find(leader, planned.instrument.content_hash, *planned.round.key)
        assert assessment is not None, "every round a release names is planned"
        row = planned.row
        added += store.releases.restore(
            assessment.id, row.released_at, row.kind, row.file_digest, row.figures
        )
    return added


def _store_plans(plan: ImportPlan, store: Store) -> None:
    """The development plans the exports carry, each in its round (replacing the plan it had)."""
    from leadcheck.store.plans import Plan

    for planned in plan.plans:
        leader = store.leaders.get(planned.leader)
        assessment = store.assessments.find(leader, planned.instrument.content_hash, *planned.round.key)
        assert assessment is not None, "every round a plan names is planned"
        restored = Plan(leader.id, assessment.id, planned.made_on, planned.focus)
        store.plans.restore(leader.id, assessment.id, restored)


def _store_responses(
    plan: ImportPlan, store: Store, outcome: Callable[[Instrument, str], LeaderOutcome]
) -> None:
    """Each leader's responses, in their round or the leader's current one, counted in their outcome.

    They are read back from the plan's database a leader at a time, and their
    answers BATCH at a time: memory holds one batch of answers.
    """
    for instrument, in_round, parsed in plan.staging.batches():
        assessment = None
        while batch := list(itertools.islice(parsed, BATCH)):
            if in_round is not None and assessment is None:
                leader = store.leaders.get(batch[0].response.leader)
                assessment = store.assessments.find(leader, instrument.content_hash, *in_round.key)
                assert assessment is not None, "every round a response names is planned"
            responses = [p.response for p in plan.staging.load_batch(batch)]
            summary = add_responses(store, responses, instrument, assessment=assessment)
            # Named as stored: "ana  lopez" in a file is the workspace's "Ana Lopez".
            result = outcome(instrument, next(iter(summary.per_leader), responses[0].leader))
            result.added += summary.added
            result.replaced += summary.replaced
            result.unchanged += summary.unchanged
            for r in responses:
                result.groups[r.group] = result.groups.get(r.group, 0) + 1
