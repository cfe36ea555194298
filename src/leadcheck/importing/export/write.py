"""Writing `leadcheck export` files: the workspace as plain records, streamed as JSON or CSV."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping
from typing import Any, TextIO

from leadcheck.base.responses import Answer
from leadcheck.importing.export.format import EXPORT_KEY, EXPORT_VERSION, NOT_OBSERVED, protect
from leadcheck.importing.layouts import COMMENT_PREFIX, EXPORT_COLUMNS
from leadcheck.store import Store, leader_key, round_numbers

# -- records -----------------------------------------------------------------------------


def iter_export(store: Store) -> Iterator[dict[str, Any]]:
    """Every response as a plain record, oldest first, streamed.

    ``assessment`` (when the round was started) and ``round`` (1 for the
    leader's first assessment on the instrument id, 2 for the next, ...)
    say which of the leader's assessments the response belongs to.

    Reads in batches (``store.responses.every``): the number of queries grows
    with the responses in all, not with how many one leader has.
    """
    every = store.assessments.every()
    rounds = round_numbers(every)
    by_id = {a.id: a for a in every}
    for row, resp in store.responses.every():
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


def iter_known_raters(store: Store) -> Iterator[tuple[str, str, str, str]]:
    """(leader as compared, instrument id, rater hash, when its round was started) of every stored response."""
    for record in iter_export(store):
        yield leader_key(record["leader"]), record["instrument"], record["rater"], record["assessment"]


def iter_leaders(store: Store) -> Iterator[dict[str, Any]]:
    """Every leader, by name, with their assessments (oldest first) as plain records, streamed.

    Leaders with no response, and rounds nobody answered yet, are here too;
    ``round`` numbers a leader's assessments on each instrument id as
    ``iter_export`` does. Two queries in all.
    """
    every = store.assessments.every()
    rounds = round_numbers(every)
    plans = store.plans.every()
    by_leader: dict[int, list[dict[str, Any]]] = {}
    for a in every:
        by_leader.setdefault(a.leader.id, []).append(
            {
                "instrument": a.instrument_id,
                "instrument_version": a.instrument_version,
                "instrument_hash": a.instrument_hash,
                "created_at": a.created_at,
                "round": rounds[a.id],
                **({"plan": plans[a.id].as_dict()} if a.id in plans else {}),
            }
        )
    for leader in store.leaders.every():
        yield {"name": leader.name, "cohort": leader.cohort, "assessments": by_leader.get(leader.id, [])}


def iter_releases(store: Store) -> Iterator[dict[str, Any]]:
    """Every row of the release ledger, oldest first, with the round it belongs to (as ``iter_export``
    names it); ``figures`` is the ledger's text, verbatim. Two queries in all."""
    every = store.assessments.every()
    rounds = round_numbers(every)
    by_id = {a.id: a for a in every}
    for row in store.releases.every():
        a = by_id.get(row.assessment_id)
        if a is None:  # a pulse's release: pulses are not exported
            continue
        yield {
            "leader": a.leader.name,
            "instrument": a.instrument_id,
            "instrument_version": a.instrument_version,
            "instrument_hash": a.instrument_hash,
            "assessment": a.created_at,
            "round": rounds[a.id],
            "kind": row.kind,
            "released_at": row.released_at,
            "file_digest": row.file_digest,
            "figures": row.figures,
        }


def release_count(store: Store) -> int:
    """How many release records the workspace holds."""
    return store.releases.count()


def pulse_release_count(store: Store) -> int:
    """How many release records are of pulses: no export carries them (pulses are not rounds)."""
    rounds = {a.id for a in store.assessments.every()}
    return sum(1 for row in store.releases.every() if row.assessment_id not in rounds)


# -- writing -----------------------------------------------------------------------------


def write_json(store: Store, out: TextIO) -> int:
    """Every instrument snapshot, leader (with their assessment rounds), release record and response
    as one JSON document; the number of responses."""
    # The workspace's id (not secret; it names the key file): a restore into a new workspace takes it, so
    # the same key file recognises raters who answer again (leadcheck.store.raters).
    out.write(
        f'{{"{EXPORT_KEY}": {EXPORT_VERSION},\n"workspace": {json.dumps(store.workspace_id)},\n"instruments": ['
    )
    for i, (content_hash, source) in enumerate(store.snapshots.sources()):
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
        items.update(dict.fromkeys(inst.importance_items))
        questions.update(dict.fromkeys(q.id for q in inst.questions))
    items.update(dict.fromkeys(store.responses.ids_beyond("answers", items)))
    questions.update(dict.fromkeys(store.responses.ids_beyond("comments", questions)))
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
