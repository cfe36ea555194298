"""How checked responses join the workspace: new leaders, cohorts, duplicates, corrections, rater groups."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from leadcheck.base.errors import ImportProblemError, StoreError
from leadcheck.base.responses import IncomingResponse
from leadcheck.instrument.model import Instrument
from leadcheck.store import Assessment, Leader, Store, leader_key, leader_name_problem, now
from leadcheck.store.responses import WRITE_BATCH, NewResponse


@dataclass
class ImportSummary:
    """What an import did (or, in a dry run, would do)."""

    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    new_leaders: list[str] = field(default_factory=list)
    per_leader: dict[str, dict[str, int]] = field(default_factory=dict)


def stored_group(
    store: Store, resp: IncomingResponse, instrument_id: str, assessment: Assessment | None = None
) -> str | None:
    """The rater group this response's rater already answered in, about the same leader, or None.

    Looked up where ``add_responses`` would store the response: in
    ``assessment`` when given, else the leader's current assessment on
    ``instrument_id``.
    """
    if assessment is None:
        leader = store.leaders.find(resp.leader)
        assessment = store.assessments.current_or_none(leader, instrument_id) if leader is not None else None
        if assessment is None:
            return None
    return store.responses.group_of(assessment, store.raters.of(resp))


def add_responses(
    store: Store,
    incoming: Iterable[IncomingResponse],
    instrument: Instrument,
    dry_run: bool = False,
    assessment: Assessment | None = None,
) -> ImportSummary:
    """Store many complete responses in one transaction: all of them, or (on any error) none.

    Inside a transaction of the caller's, they are saved (or not) with it.

    A leader is found by name with case and spacing ignored ("ana  lopez"
    is the stored "Ana Lopez"); a new one is created as first written.

    Each response is filed under its leader's current (newest) assessment
    on ``instrument.id``, created when there is none; or, when
    ``assessment`` is given (a round an export names, see
    ``store.assessments.ensure``), under that one, which must be about the
    responses' leader and made with ``instrument``.

    A rater seen before for the same assessment (same keyed identity) is
    not counted twice: identical answers are skipped, changed ones replace
    the earlier response. Identities are whatever the importer made them:
    emails are global, while response ids that number each form anew are
    scoped to their form by the importer, so two forms never collide.

    A rater stays in the rater group they first answered in: a response
    whose rater is stored under another group is refused with
    ImportProblemError (nothing is stored), never moved between groups.
    Importers check this first with ``stored_group`` and report it with
    the file and line.
    """
    if assessment is not None and assessment.instrument_hash != instrument.content_hash:
        raise StoreError(
            f"responses checked against {instrument.id} {instrument.version} cannot be filed under an "
            f"assessment made with another snapshot ({assessment.instrument_hash[:12]})"
        )
    batch = _Batch(store, instrument, assessment)
    with store.transaction(dry_run=dry_run):
        # Written WRITE_BATCH at a time, with a fixed number of statements per batch; a rater
        # twice in one call starts a new batch, so the second replaces the first as it always did.
        pending: dict[tuple[int, str], _Filing] = {}
        for resp in incoming:
            leader = batch.leader(resp)
            filing = _Filing(resp, leader, batch.assessment_id(resp, leader), store.raters.of(resp))
            if len(pending) >= WRITE_BATCH or filing.pair in pending:
                batch.file(list(pending.values()))
                pending = {}
            pending[filing.pair] = filing
        batch.file(list(pending.values()))
    return batch.summary


@dataclass(frozen=True)
class _Filing:
    """A response on its way in: its leader as stored, the assessment it goes to, its rater's hash."""

    resp: IncomingResponse
    leader: Leader
    assessment_id: int
    rater: str

    @property
    def pair(self) -> tuple[int, str]:
        return self.assessment_id, self.rater


class _Batch:
    """One call of ``add_responses``: what it found or created so far, so each is looked up once."""

    def __init__(self, store: Store, instrument: Instrument, assessment: Assessment | None) -> None:
        self.store = store
        self.instrument = instrument
        self.assessment = assessment
        self.summary = ImportSummary()
        self.leaders: dict[str, Leader] = {}  # leader_key -> the leader, as stored
        self.current: dict[int, int] = {}  # leader id -> the assessment id responses go to
        # leader id -> groups their round's version shows from fewer raters than ``instrument`` promised
        self.looser: dict[int, dict[str, int]] = {}

    def leader(self, resp: IncomingResponse) -> Leader:
        """The response's leader: found (one indexed query per new name), or created; its cohort set."""
        name = resp.leader
        problem = leader_name_problem(name) if name else "a leader needs a name"
        if problem is not None:
            raise StoreError(f"{resp.source}: {problem}")
        key = leader_key(name)
        leader = self.leaders.get(key) or self.store.leaders.find(name)
        if leader is None:
            leader = self.store.leaders.add(name, resp.cohort)
            self.summary.new_leaders.append(name)
        elif resp.cohort is not None and leader.cohort != resp.cohort:
            leader = self.store.leaders.set_cohort(leader, resp.cohort)
        self.leaders[key] = leader
        return leader

    def assessment_id(self, resp: IncomingResponse, leader: Leader) -> int:
        """Where the response goes: the given round, else the leader's current one (started if none)."""
        if self.assessment is not None:
            if self.assessment.leader.id != leader.id:
                raise StoreError(
                    f'{resp.source}: a response about "{leader.name}" cannot be filed under an '
                    f'assessment of "{self.assessment.leader.name}"'
                )
            return self.assessment.id
        if leader.id not in self.current:
            found = self.store.assessments.current_or_none(leader, self.instrument.id)
            if found is not None and found.instrument_hash != self.instrument.content_hash:
                self.looser[leader.id] = self._looser_groups(self.store.assessments.instrument(found))
            self.current[leader.id] = (
                found.id if found is not None else self.store.assessments.start(leader, self.instrument)
            )
        looser = self.looser.get(leader.id, {})
        if resp.group in looser:
            g = self.instrument.group(resp.group)
            raise ImportProblemError(
                f"{resp.source}: this response was given on {self.instrument.id} {self.instrument.version}, "
                f"whose form promised {g.label} that they are shown only from {g.min_raters}; "
                f'"{leader.name}"\'s current round is on a version that shows them from {looser[resp.group]}, '
                "so it cannot go there. Import it with the round's version (--instrument), or start a "
                "new round on this version (leadcheck assess --new)"
            )
        return self.current[leader.id]

    def _looser_groups(self, round_instrument: Instrument) -> dict[str, int]:
        """The groups a round's instrument shows from fewer raters than the responses' own version."""
        theirs = {g.id: g.min_raters for g in round_instrument.rater_groups}
        return {
            g.id: theirs.get(g.id, 1)
            for g in self.instrument.rater_groups
            if not g.is_self and theirs.get(g.id, 1) < g.min_raters
        }

    def file(self, batch: list[_Filing]) -> None:
        """Store a batch (no rater twice in an assessment): each response new, the same again
        (skipped), or a correction (replacing the earlier). Six statements, however many responses."""
        found = self.store.responses.stored({f.pair for f in batch})
        replaced: list[int] = []
        new: list[NewResponse] = []
        for f in batch:
            resp, leader = f.resp, f.leader
            existing = found.get(f.pair)
            if existing is not None and existing.group != resp.group:
                raise ImportProblemError(
                    f'{resp.source}: this rater already answered about "{leader.name}" as '
                    f"{existing.group}, here as {resp.group}; a rater answers in one group "
                    "only: correct the group, or leave this response out"
                )
            counts = self.summary.per_leader.setdefault(leader.name, {})
            if existing is not None:
                if dict(existing.answers) == dict(resp.answers) and dict(existing.comments) == dict(
                    resp.comments
                ):
                    self.summary.unchanged += 1
                    continue
                assert existing.response_id is not None, "a stored response has its id"
                replaced.append(existing.response_id)
                self.summary.replaced += 1
            else:
                self.summary.added += 1
            counts[resp.group] = counts.get(resp.group, 0) + 1
            stamp = resp.submitted_at or now()
            new.append(NewResponse(f.assessment_id, resp.group, f.rater, stamp, resp.answers, resp.comments))
        self.store.responses.replace_many(replaced, new)
