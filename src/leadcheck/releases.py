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
from typing import Any

from leadcheck import text as txt
from leadcheck.anonymity import comment_threshold, leaks
from leadcheck.instrument.model import Instrument
from leadcheck.scoring import Released, ReleasedItem, Scorecard, Stat, person_of
from leadcheck.store import Assessment, Store, now


def _stat_from(d: Mapping[str, Any]) -> Stat:
    return Stat(**{**d, "distribution": tuple(d["distribution"])})


def published(card: Scorecard) -> dict[str, Any]:
    """The part of a scorecard the ledger keeps: item figures with their tokens, comment tokens."""
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
                "members": {c: sorted(m) for c, m in sorted(i.members.items())},
            }
    comments = {q: sorted(tokens) for q, tokens in sorted(card.comment_members.items())}
    return {"items": items, "comments": comments}


def released_from(doc: Mapping[str, Any]) -> Released:
    """A ledger entry as scoring reads it."""
    items = {
        item_id: ReleasedItem(
            others=_stat_from(f["others"]),
            groups={g: _stat_from(s) for g, s in f["groups"].items()},
            rwg=f["rwg"],
            low_consensus=bool(f["low_consensus"]),
            members={c: frozenset(m) for c, m in f["members"].items()},
        )
        for item_id, f in doc["items"].items()
    }
    return Released(items, {q: frozenset(t) for q, t in doc["comments"].items()})


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
    rows = store.conn.execute(
        "SELECT figures FROM releases WHERE assessment_id = ? GROUP BY figures ORDER BY max(id)",
        (assessment.id,),
    ).fetchall()
    return tuple(released_from(json.loads(row[0])) for row in rows)


def releases(store: Store, assessment: Assessment) -> list[Release]:
    """Every release of an assessment, oldest first."""
    rows = store.conn.execute(
        "SELECT * FROM releases WHERE assessment_id = ? ORDER BY id", (assessment.id,)
    ).fetchall()
    return [
        Release(
            row["id"],
            row["assessment_id"],
            row["released_at"],
            row["kind"],
            row["file_digest"],
            released_from(json.loads(row["figures"])),
        )
        for row in rows
    ]


def record(
    store: Store, assessment: Assessment, card: Scorecard, file_digest: str, kind: str = "report"
) -> None:
    """Add a release of ``card`` (written to a file with SHA-256 ``file_digest``) to the ledger."""
    figures = json.dumps(published(card), separators=(",", ":"), sort_keys=True)
    with store.transaction() as c:
        c.execute(
            "INSERT INTO releases (assessment_id, released_at, kind, file_digest, figures) VALUES (?, ?, ?, ?, ?)",
            (assessment.id, now(), kind, file_digest, figures),
        )


# -- the audit ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """Something a reader holding every release could recover."""

    where: str  # "item sa-3" or "question keep"
    what: str


def audit(instrument: Instrument, history: Sequence[Release]) -> list[Finding]:
    """Replay the releases of one assessment and attack them as a reader holding all of them would.

    For every item, the figures of all releases are set against each other
    (exact linear algebra, `leadcheck.anonymity.leaks`); raters of groups whose
    threshold is 1 are not protected and not reported. For every question,
    each release's new comments must come from at least its comment threshold
    of raters.
    """
    findings: list[Finding] = []
    unprotected_groups = {g.id for g in instrument.rater_groups if g.min_raters <= 1}
    item_ids = list(instrument.items)
    for item_id in item_ids:
        versions = [r.figures.items[item_id] for r in history if item_id in r.figures.items]
        if not versions:
            continue
        figures = [m for v in versions for m in v.members.values()]
        exempt = {
            person_of(t) for v in versions for g, m in v.members.items() if g in unprotected_groups for t in m
        }
        tokens = {t for f in figures for t in f}
        exposed = leaks(figures, {t: person_of(t) for t in tokens}) - exempt
        if exposed:
            findings.append(
                Finding(
                    f"item {item_id}",
                    f"the ratings of {txt.count(len(exposed), 'rater')} can be solved for from "
                    f"{txt.count(len(versions), 'release')}",
                )
            )
    for q in instrument.questions:
        shown_before: list[frozenset[str]] = []  # the first release showing a question follows the basic rule
        need = comment_threshold(instrument, q)
        for number, r in enumerate(history, start=1):
            shown = r.figures.comments.get(q.id)
            if shown is None:
                continue
            for before in shown_before:
                changed = {person_of(t) for t in shown ^ before}
                if shown and before and 0 < len(changed) < need:
                    findings.append(
                        Finding(
                            f"question {q.id}",
                            f"release {number} differs from an earlier one by the comments of "
                            f"{txt.count(len(changed), 'rater')}, fewer than {need}",
                        )
                    )
                    break
            shown_before.append(shown)
    return findings
