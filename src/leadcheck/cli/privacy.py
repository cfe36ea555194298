"""`leadcheck audit`, `leadcheck purge` and `leadcheck key`: what leaders were given, forgetting, and the key."""

from __future__ import annotations

import enum
import json
from collections import Counter
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer

from leadcheck.base import text as txt
from leadcheck.base.errors import ExitCode
from leadcheck.cli._common import (
    LeaderArg,
    cohort_option,
    complete_leader,
    console,
    db_path,
    dry_run_option,
    format_option,
)
from leadcheck.cli._help import Command

if TYPE_CHECKING:
    from leadcheck.purge import PurgeCount
    from leadcheck.releases import Release


class AuditFormat(str, enum.Enum):
    text = "text"
    json = "json"


def audit(
    ctx: typer.Context,
    leader: LeaderArg,
    format: Annotated[AuditFormat, format_option("text or json.")] = AuditFormat.text,
) -> None:
    """Replay every output a leader's figures were published in and check them together.

    Reports, drafts, summaries, cohort reports and later rounds' change are
    all releases; the rule over sets is applied to all of them together.
    Exit 0 when no rater's answers or comments can be singled out, 1 when something can.
    """
    from leadcheck.releases import audit as run_audit
    from leadcheck.releases import releases
    from leadcheck.store import Store
    from leadcheck.store.assessments import not_assessed_yet

    rounds = []
    with Store.open(db_path(ctx), create=False) as store:
        person = store.leaders.get(leader)
        for assessment in store.assessments.of_leader(person):
            history = releases(store, assessment)
            # A count of shared raters is about the raters of every round on the instrument: each keeps
            # the threshold their own round's version promised.
            promised = [
                store.assessments.instrument(a)
                for a in store.assessments.of_leader(person, assessment.instrument_id)
            ]
            findings = (
                run_audit(store.assessments.instrument(assessment), history, promised) if history else []
            )
            rounds.append((assessment, history, findings))
            # A round's pulses are checked together: each pulse beside every earlier one's releases.
            earlier: list[Release] = []
            for pulse in store.assessments.pulses_of(assessment.id):
                own = releases(store, pulse)
                together = [*earlier, *own]
                findings = run_audit(store.assessments.instrument(pulse), together) if own else []
                rounds.append((pulse, own, findings))
                earlier = together
    found = any(findings for _, _, findings in rounds)
    if format is AuditFormat.json:
        doc = {
            "leader": person.name,
            "assessments": [
                {
                    "instrument": a.instrument_id,
                    "started": a.created_at,
                    "releases": [
                        {"released_at": r.released_at, "kind": r.kind, "sha256": r.file_digest}
                        for r in history
                    ],
                    "recoverable": [{"where": f.where, "what": f.what} for f in findings],
                }
                for a, history, findings in rounds
            ],
        }
        typer.echo(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        out = console(soft_wrap=True)
        for a, history, findings in rounds:
            head = f"{person.name}, {a.instrument_id} {a.instrument_version} (started {a.created_at[:10]})"
            if not history:
                out.print(f"{head}: no report given yet", markup=False)
                continue
            dates = ", ".join(sorted({r.released_at[:10] for r in history}))
            count = f"{_kinds(history)} given ({dates})"
            if not findings:
                out.print(f"{head}: {count}; no rater can be singled out from them together", markup=False)
            for f in findings:
                out.print(f"{head}: {count}; {f.where}: {f.what}", markup=False)
        if not rounds:
            out.print(f"{person.name}: {not_assessed_yet()}", markup=False)
    if found:
        raise typer.Exit(ExitCode.INVALID)


# How each kind of release is counted in `audit`'s line, in this order.
RELEASE_KINDS = {
    "report": ("report", "reports"),
    "cohort": ("cohort report", "cohort reports"),
    "draft": ("draft", "drafts"),
    "summary": ("summary", "summaries"),
    "change": ("later round's change", "later rounds' change"),
}


def _kinds(history: Sequence[Release]) -> str:
    """ "2 reports, 1 draft and 1 summary": what was given, by kind."""
    counts = Counter(r.kind for r in history)
    parts = [txt.count(counts[k], *RELEASE_KINDS[k]) for k in RELEASE_KINDS if counts[k]]
    parts += [txt.count(n, k, k) for k, n in sorted(counts.items()) if k not in RELEASE_KINDS]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def purge(
    ctx: typer.Context,
    leader: Annotated[
        str | None,
        typer.Argument(
            help="The leader whose data to remove.", metavar="LEADER", autocompletion=complete_leader
        ),
    ] = None,
    cohort: Annotated[str | None, cohort_option("Remove every leader of this cohort.")] = None,
    before: Annotated[
        str | None,
        typer.Option(
            "--before",
            metavar="DATE",
            help="Remove answers given before DATE, and the release records of rounds left with no "
            "answer (a round that keeps some answers keeps its records, so later reports stay guarded).",
        ),
    ] = None,
    dry_run: Annotated[bool, dry_run_option("Only say what would be removed.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Remove personal data for good: answers, comments, rater identities, rosters and release records.

    Give one LEADER, or --cohort NAME, or --before DATE (YYYY-MM-DD). The data is
    overwritten in the file and its write-ahead log, not only unlinked.
    """
    from leadcheck.base.errors import UsageError
    from leadcheck.purge import Selection
    from leadcheck.purge import purge as run_purge
    from leadcheck.store import Store

    selection = Selection(leader, cohort, _cutoff(before))
    out = console(soft_wrap=True)
    with Store.open(db_path(ctx), create=False) as store:
        planned = run_purge(store, selection, dry_run=True)
        what = f"{selection.describe()}: {_removed(planned, by_date=selection.before is not None)}"
        if planned.empty:
            out.print(f"Nothing to remove for {selection.describe()}.", markup=False)
            return
        if dry_run:
            out.print(f"Would remove {what}.", markup=False)
            return
        if not yes:
            if not console().is_terminal:
                raise UsageError(
                    "purge removes data for good; confirm with --yes (or --dry-run to look first)"
                )
            typer.confirm(f"Remove {what} for good?", abort=True)
        run_purge(store, selection)
    out.print(f"Removed {what}.", markup=False)


def _cutoff(before: str | None) -> date | None:
    """The --before date, or None when not given."""
    from leadcheck.base.errors import UsageError

    if before is None:
        return None
    try:
        return date.fromisoformat(before)
    except ValueError:
        raise UsageError(f'--before "{before}" is not a date; write it as YYYY-MM-DD') from None


def _removed(planned: PurgeCount, by_date: bool = False) -> str:
    """What a purge removes (or would), counted: "1 leader, 5 responses with 40 answers and ..."."""
    releases = txt.count(planned.releases, "release record")
    if by_date and planned.releases:
        releases += " (of rounds left with no answer)"
    return (
        f"{txt.count(len(planned.leaders), 'leader')}, {txt.count(planned.responses, 'response')} "
        f"with {txt.count(planned.answers, 'answer')} and {txt.count(planned.comments, 'comment')}, "
        f"{releases}, {txt.count(planned.roster, 'rostered rater')}"
    )


def key(ctx: typer.Context) -> None:
    """Where this workspace's rater key is kept (outside the workspace file; move it with the file)."""
    from leadcheck.base.keys import key_path
    from leadcheck.store import Store

    with Store.open(db_path(ctx), create=False) as store:
        path = key_path(store.workspace_id)
    state = "present" if path.is_file() else "missing: returning raters will not be recognised"
    console(soft_wrap=True).print(f"{path} ({state})", markup=False)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command("audit", cls=Command)(audit)
    app.command("purge", cls=Command)(purge)
    app.command("key", cls=Command)(key)
