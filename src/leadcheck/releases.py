"""The release ledger: what each leader has been given, so later reports cannot be set against it.

Every report written for a leader (PDF or HTML, not a draft) is a release.
The ledger keeps, per release, the published figures of every item with the
opaque tokens of the ratings behind each figure, the tokens of the comments
shown, when, and the SHA-256 of the file. Scoring reads it back
(`leadcheck.scoring.score(released=...)`) to hold back figures that could be
differenced against earlier ones, and `audit` replays it to check that no
rater can be singled out from all releases together.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from leadcheck.anonymity import Thresholds, person_of_member, small_atoms
from leadcheck.base import text as txt
from leadcheck.base.errors import StoreError
from leadcheck.instrument.model import SELF, Instrument
from leadcheck.scoring import Released, ReleasedComments, ReleasedItem, Scorecard, Stat
from leadcheck.store import Assessment, Store

if TYPE_CHECKING:
    from leadcheck.change import RoundChange

FORMAT = 2  # the rule over sets: every set a release published about, with its members' groups


def _stat_from(d: Mapping[str, Any]) -> Stat:
    return Stat(**{**d, "distribution": tuple(d["distribution"])})


def _sorted_sets(sets: Mapping[str, frozenset[str]]) -> dict[str, list[str]]:
    return {c: sorted(m) for c, m in sorted(sets.items())}


def published(card: Scorecard, change: RoundChange | None = None) -> dict[str, Any]:
    """What the ledger keeps of a release: every item figure with every set of answers it was
    published about, the comment lists' sets, the rater counts printed, and with a previous round
    shown as change, its verdicts and the sets of people a printed count of shared raters was about."""
    items = {}
    for d in card.dimensions:
        for i in d.items:
            if not i.members:
                continue
            items[i.id] = {
                "others": asdict(i.others),
                "groups": {g: asdict(s) for g, s in i.groups.items()},
                "rwg": i.rwg,
                "low_consensus": i.low_consensus,
                "members": _sorted_sets(i.members),
                "pooled_groups": list(i.pooled_groups),
                "excluded_groups": list(i.excluded_groups),
            }
    comments = {
        q: {"members": sorted(c.members), "shown": {t: c.texts.get(t) for t in sorted(c.shown)}}
        for q, c in sorted(card.comment_members.items())
    }
    raters = {g.id: g.raters for g in card.groups if g.id != SELF and g.raters}
    doc = {"format": FORMAT, "items": items, "comments": comments, "raters": raters}
    if change is not None:
        doc["change"] = change.ledger()
    return doc


def _comments_from(c: Any) -> ReleasedComments:
    if isinstance(c, list):  # before the rule over sets: the tokens of the comments shown
        return ReleasedComments(frozenset(c), frozenset(c))
    shown = c["shown"]
    if isinstance(shown, list):  # the words printed were not kept
        return ReleasedComments(frozenset(c["members"]), frozenset(shown))
    return ReleasedComments(frozenset(c["members"]), frozenset(shown), dict(shown))


def released_from(doc: Mapping[str, Any]) -> Released:
    """A ledger entry as scoring reads it. An entry written before the rule over sets is read as
    ``legacy``: its members cannot be set against today's, so a new release only repeats it."""
    legacy = doc.get("format") != FORMAT
    items = {
        item_id: ReleasedItem(
            others=_stat_from(f["others"]),
            groups={g: _stat_from(s) for g, s in f["groups"].items()},
            rwg=f["rwg"],
            low_consensus=bool(f["low_consensus"]),
            members={c: frozenset(m) for c, m in f["members"].items()},
            pooled_groups=tuple(f.get("pooled_groups", ())),
            excluded_groups=tuple(f.get("excluded_groups", ())),
        )
        for item_id, f in doc["items"].items()
    }
    comments = {q: _comments_from(c) for q, c in doc["comments"].items()}
    shared = (doc.get("change") or {}).get("people") or {}
    people = tuple(frozenset(shared[side]) for side in ("before", "after") if side in shared)
    return Released(items, comments, dict(doc.get("raters", {})), legacy, people)


@dataclass(frozen=True)
class Release:
    """One ledger row."""

    id: int
    assessment_id: int
    released_at: str
    kind: str
    file_digest: str
    figures: Released


def released_figures(store: Store, assessment: Assessment) -> tuple[Released, ...]:
    """What the releases of an assessment published, each distinct set of figures once, in the order
    of its latest release (a report made again on unchanged answers repeats the one before)."""
    return tuple(released_from(json.loads(doc)) for doc in store.releases.distinct_figures(assessment.id))


def released_people(store: Store, *rounds: Assessment) -> tuple[frozenset[str], ...]:
    """Every set of people a printed count of shared raters was about, in the releases of ``rounds``."""
    return tuple(p for a in rounds for r in released_figures(store, a) for p in r.people)


def releases(store: Store, assessment: Assessment) -> list[Release]:
    """Every release of an assessment, oldest first."""
    return [
        Release(
            row.id,
            row.assessment_id,
            row.released_at,
            row.kind,
            row.file_digest,
            released_from(json.loads(row.figures)),
        )
        for row in store.releases.of_assessment(assessment.id)
    ]


def record(
    store: Store,
    assessment: Assessment,
    card: Scorecard,
    file_digest: str = "",
    kind: str = "report",
    change: RoundChange | None = None,
) -> None:
    """Add a release of ``card`` to the ledger, committed at once.

    ``kind`` says which output published it (report, draft, summary, cohort,
    change); ``file_digest`` is the SHA-256 of the file written, if any. Call
    it before the output is written or shown: a failure in between leaves a
    release without an output, never an output without its release. An output
    with no file (a summary, a round shown as change) that repeats figures
    already in the ledger adds no row; on a workspace that cannot be written,
    only such a repeat may be shown.
    """
    figures = json.dumps(published(card, change), separators=(",", ":"), sort_keys=True)
    if not file_digest and store.releases.published(assessment.id, figures):
        return
    if store.read_only:
        raise StoreError(
            f"{store.path}: the workspace is read-only here, and these figures were never released: showing "
            "them is a release, which must be recorded first (or the next one could be set against it). "
            "Make it writable, or copy it to a folder you can write to and use --db"
        )
    store.releases.add(assessment.id, kind, file_digest, figures)


# -- the audit ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """Something a reader holding every release could recover."""

    where: str  # "item sa-3" or "question keep"
    what: str


def audit(
    instrument: Instrument, history: Sequence[Release], promised: Sequence[Instrument] = ()
) -> list[Finding]:
    """Replay the releases of one assessment and check them by the rule every output is held to.

    For every item and every question, the sets that all releases together
    published about (every kind of output: reports, drafts, summaries, cohort
    reports, a later round's change) must generate no small atom
    (leadcheck.anonymity.small_atoms). Releases written before the rule over
    sets are reported: what they published cannot be checked. The sets of
    people a count of shared raters was about hold raters of other rounds
    too: each group is held to the strictest threshold that ``instrument``
    or any of those rounds' instruments (``promised``) promised.
    """
    findings: list[Finding] = []
    legacy = [n for n, r in enumerate(history, start=1) if r.figures.legacy]
    if legacy:
        findings.append(
            Finding(
                "ledger",
                f"{txt.count(len(legacy), 'release was', 'releases were')} recorded before the rule over sets: "
                "their sets hold ratings only, so what they gave away through not-observed counts and skips "
                "cannot be checked; later outputs repeat the last of them (start a new round for new figures)",
            )
        )
    thresholds = Thresholds.of(instrument)
    for item_id in instrument.items:
        sets = [
            m
            for r in history
            if item_id in r.figures.items
            for m in r.figures.items[item_id].members.values()
        ]
        small = small_atoms(sets, thresholds)
        if small:
            findings.append(Finding(f"item {item_id}", _small(small, thresholds, len(history))))
    for q in instrument.questions:
        sets = [r.figures.comments[q.id].members for r in history if q.id in r.figures.comments]
        q_thresholds = Thresholds.of(instrument, q)
        small = small_atoms(sets, q_thresholds)
        if small:
            findings.append(Finding(f"question {q.id}", _small(small, q_thresholds, len(history))))
    people_thresholds = Thresholds.strictest([instrument, *promised])
    small = small_atoms([p for r in history for p in r.figures.people], people_thresholds)
    if small:
        findings.append(
            Finding("raters shared with another round", _small(small, people_thresholds, len(history)))
        )
    return findings


def _small(small: Sequence[frozenset[str]], thresholds: Thresholds, releases: int) -> str:
    people = min(len({person_of_member(t) for t in a}) for a in small)
    return (
        f"{txt.count(len(small), 'set of answers', 'sets of answers')} published by "
        f"{txt.count(releases, 'release')} can be told apart from the rest with as few as "
        f"{txt.count(people, 'rater')}, fewer than the group's threshold"
    )
