"""The roster: who was nominated to rate which leader, in which group, and how far each has got.

A rater's state moves nominated -> invited -> returned; ``removed`` keeps the
row (so a form sent to a removed rater is recognised and refused) but forgets
the name and email. Names and emails are shown to the coach only (``raters
list``); they never appear in messages, reports or exports.
"""

from __future__ import annotations

import base64
import secrets
import sqlite3
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from leadcheck.errors import NotFoundError
from leadcheck.importing import csvfile
from leadcheck.importing.columns import describe_groups, loose, match_group
from leadcheck.importing.problems import Problems
from leadcheck.instrument.model import Instrument
from leadcheck.store import Leader, Store, leader_key, leader_name_problem, now

NOMINATED, INVITED, RETURNED, REMOVED = "nominated", "invited", "returned", "removed"
STATES = (NOMINATED, INVITED, RETURNED, REMOVED)
MAX_RATER_NAME = 200
MAX_EMAIL = 254
# The roster CSV's columns, recognised by these titles (case, spaces and punctuation ignored).
COLUMNS: dict[str, tuple[str, ...]] = {
    "leader": ("leader", "leader name", "leadername", "leader being rated"),
    "name": ("name", "rater", "rater name", "ratername", "full name", "nominee", "nominee name"),
    "email": ("email", "e-mail", "email address", "rater email", "mail"),
    "group": ("group", "rater group", "relationship", "role", "relationship to leader"),
}
TOKEN_BYTES = 15  # 120 random bits: 24 base32 characters, shown in six groups of four


@dataclass(frozen=True)
class RosterRater:
    """One nominated rater of one leader, as the coach sees them."""

    id: int
    leader: str
    leader_id: int
    cohort: str | None
    name: str
    email: str
    group: str
    state: str
    due_date: str | None
    invited_at: str | None
    reminded_at: str | None
    returned_at: str | None

    def as_dict(self) -> dict[str, object]:
        return {
            "leader": self.leader,
            "cohort": self.cohort,
            "name": self.name,
            "email": self.email,
            "group": self.group,
            "state": self.state,
            "due_date": self.due_date,
            "invited_at": self.invited_at,
            "reminded_at": self.reminded_at,
            "returned_at": self.returned_at,
        }


@dataclass(frozen=True)
class Nomination:
    """A rater to add to the roster, as read from a file or the command line."""

    leader: str
    name: str
    email: str
    group: str  # as written; checked against the leader's instrument
    row: int = 0  # the CSV line, 0 for the command line


@dataclass
class RosterChange:
    """What adding nominations did."""

    added: int = 0
    unchanged: int = 0
    new_leaders: list[str] | None = None


def _text_problem(what: str, value: str, limit: int) -> str | None:
    """What is wrong with a name or email (never quoting it: these are personal data), or None."""
    if any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in value):
        return f"the {what} holds a line break, tab or other control character; expected one line"
    if len(value) > limit:
        return f"the {what} is {len(value)} characters long; expected at most {limit}"
    return None


def email_problem(email: str) -> str | None:
    """What is wrong with ``email`` as a rater's address (without quoting it), or None."""
    if not email:
        return "the email address is empty; every rater needs one to be sent their form"
    problem = _text_problem("email address", email, MAX_EMAIL)
    if problem is not None:
        return problem
    local, at, domain = email.rpartition("@")
    # Commas, semicolons, brackets and quotes would let one cell become several recipients.
    if (
        not at
        or not local
        or "@" in local
        or "." not in domain.strip(".")
        or any(c.isspace() or c in ',;<>"()[]\\:' for c in email)
    ):
        return "the email address is not valid; expected one address such as name@example.org"
    return None


def _columns(header: Sequence[str]) -> tuple[dict[str, int], list[str]]:
    """Which column holds what, and the roles no column holds."""
    found: dict[str, int] = {}
    for index, title in enumerate(header):
        key = loose(title)
        for role, titles in COLUMNS.items():
            if role not in found and key in {loose(t) for t in titles}:
                found[role] = index
    missing = [role for role in ("leader", "email", "group") if role not in found]
    return found, missing


def read_nominations(path: Path, problems: Problems) -> list[Nomination]:
    """The nominations in a roster CSV (leader, rater name, email, group), with every problem found."""
    table = csvfile.read_table(path, problems)
    if table is None:
        return []
    header, *rows = table.records
    found, missing = _columns(header.cells)
    if missing:
        problems.error(
            f"no column for {', '.join(missing)}; expected a header row with the columns "
            '"leader", "name", "email" and "group" (relationship)',
            row=header.line,
        )
        return []
    out: list[Nomination] = []
    for record in rows:
        cells = record.cells

        def cell(role: str, cells: list[str] = cells) -> str:
            index = found.get(role)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        out.append(Nomination(cell("leader"), cell("name"), cell("email"), cell("group"), record.line))
    if not out:
        problems.error("the file has a header row but no raters", row=header.line)
    return out


def check_nominations(
    store: Store,
    nominations: Sequence[Nomination],
    instrument_for: dict[str, Instrument],
    problems: Problems,
) -> list[Nomination]:
    """The nominations with each group as its id; every problem (no name or email quoted) in ``problems``.

    ``instrument_for`` maps each leader's name (as written) to the instrument
    their group is checked against.
    """
    out: list[Nomination] = []
    seen: dict[tuple[str, str], int] = {}
    for n in nominations:
        row = n.row
        bad = False
        leader_problem = leader_name_problem(n.leader) if n.leader else "the leader is empty"
        if leader_problem is not None:
            problems.error(f"{leader_problem}; correct it in the file", row=row, column="leader")
            bad = True
        name_problem = _text_problem("rater's name", n.name, MAX_RATER_NAME)
        if name_problem is not None:
            problems.error(name_problem, row=row, column="name")
            bad = True
        mail_problem = email_problem(n.email)
        if mail_problem is not None:
            problems.error(mail_problem, row=row, column="email")
            bad = True
        if bad:
            continue
        instrument = instrument_for[n.leader]
        group = match_group(n.group, instrument)
        if group is None:
            what = "the group is empty" if not n.group else f'"{n.group}" is not a rater group'
            problems.error(
                f"{what} of {instrument.id}; expected one of: {describe_groups(instrument)}",
                row=row,
                column="group",
            )
            continue
        key = (leader_key(n.leader), n.email.strip().casefold())
        if key in seen:
            at = f"line {seen[key]}" if seen[key] else "the command line"
            problems.error(f"the same rater is nominated for this leader again (first at {at})", row=row)
            continue
        seen[key] = row
        existing = _find(store, n.leader, n.email)
        if existing is not None and existing.state != REMOVED and existing.group != group:
            problems.error(
                f"this rater is already on the roster of this leader as {existing.group}, here as {group}; "
                "a rater answers in one group only: correct the group, or remove them first "
                "(leadcheck raters remove)",
                row=row,
                column="group",
            )
            continue
        out.append(Nomination(n.leader.strip(), n.name, n.email, group, row))
    return out


def _rater(row: sqlite3.Row) -> RosterRater:
    return RosterRater(
        row["id"],
        row["leader"],
        row["leader_id"],
        row["cohort"],
        row["name"] or "",
        row["email"] or "",
        row["rater_group"],
        row["state"],
        row["due_date"],
        row["invited_at"],
        row["reminded_at"],
        row["returned_at"],
    )


_SELECT = (
    "SELECT r.*, l.name AS leader, l.cohort FROM campaign_raters r JOIN leaders l ON l.id = r.leader_id "
)


def _find(store: Store, leader: str, email: str) -> RosterRater | None:
    found = store.find_leader(leader)
    if found is None:
        return None
    row = store.conn.execute(
        _SELECT + "WHERE r.leader_id = ? AND lower(r.email) = lower(?)", (found.id, email.strip())
    ).fetchone()
    return _rater(row) if row else None


def add_nominations(
    store: Store,
    nominations: Sequence[Nomination],
    instrument_for: dict[str, Instrument],
    cohort: str | None = None,
) -> RosterChange:
    """Add checked nominations in one transaction; a rater already on the roster is left as is.

    A leader not yet assessed on the instrument their groups were checked
    against starts an assessment on it now, so their forms use that snapshot.
    """
    change = RosterChange(new_leaders=[])
    with store.transaction():
        for n in nominations:
            existed = store.find_leader(n.leader) is not None
            leader = store.ensure_leader(n.leader, cohort)
            if not existed and change.new_leaders is not None:
                change.new_leaders.append(leader.name)
            store.assessment_for(leader, instrument_for[n.leader])
            existing = _find(store, leader.name, n.email)
            if existing is not None and existing.state != REMOVED:
                change.unchanged += 1
                continue
            store.conn.execute(
                "INSERT INTO campaign_raters (leader_id, name, email, rater_group, state, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (leader.id, n.name.strip(), n.email.strip(), n.group, NOMINATED, now()),
            )
            change.added += 1
    return change


def roster(
    store: Store, leader: Leader | None = None, cohort: str | None = None, include_removed: bool = False
) -> list[RosterRater]:
    """The roster, by leader then group then id; one leader's or one cohort's when given."""
    sql = _SELECT + "WHERE 1 = 1"
    args: list[object] = []
    if leader is not None:
        sql += " AND r.leader_id = ?"
        args.append(leader.id)
    if cohort is not None:
        sql += " AND l.cohort = ?"
        args.append(cohort)
    if not include_removed:
        sql += f" AND r.state != '{REMOVED}'"
    rows = store.conn.execute(sql + " ORDER BY l.name, r.leader_id, r.rater_group, r.id", args)
    return [_rater(r) for r in rows]


def remove(store: Store, leader: Leader, email: str) -> RosterRater:
    """Take a rater off the leader's roster: their name and email are forgotten, their forms refused.

    Answers they already returned stay in the workspace (they are not
    theirs to withdraw by the coach's roster change alone).
    """
    found = _find(store, leader.name, email)
    if found is None or found.state == REMOVED:
        raise NotFoundError(
            f'no rater with that email on the roster of "{leader.name}"; see `leadcheck raters list`'
        )
    with store.transaction() as c:
        c.execute(
            "UPDATE campaign_raters SET state = ?, name = NULL, email = NULL, removed_at = ? WHERE id = ?",
            (REMOVED, now(), found.id),
        )
    return found


def delete_leader(store: Store, leader_id: int) -> int:
    """Delete every roster row and token of one leader (for `purge`); how many raters were deleted."""
    with store.transaction() as c:
        return c.execute("DELETE FROM campaign_raters WHERE leader_id = ?", (leader_id,)).rowcount


def delete_older_than(store: Store, before: str) -> int:
    """Delete roster rows (and their tokens) nominated before ``before`` (ISO 8601); for `purge`."""
    with store.transaction() as c:
        return c.execute("DELETE FROM campaign_raters WHERE created_at < ?", (before,)).rowcount


# -- tokens --------------------------------------------------------------------------------


def new_token() -> str:
    """A token nobody can guess: 120 random bits as six groups of four base32 characters."""
    raw = base64.b32encode(secrets.token_bytes(TOKEN_BYTES)).decode("ascii")
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def normalise_token(token: str) -> str:
    """A token as compared: dashes, spaces and case ignored."""
    return "".join(ch for ch in token if ch.isalnum()).upper()


def token_hash(store: Store, token: str) -> str:
    """The keyed hash a token is stored under (the store's rater-identity hash, never the token)."""
    return store.rater_hash("campaign-token:" + normalise_token(token))


def issue_token(store: Store, rater: RosterRater, assessment_id: int) -> str:
    """A new token for ``rater``'s form about the assessment; only its keyed hash is stored.

    Earlier tokens of the same rater stay valid: a rater who fills in the
    first form after a reminder is still counted once, as themself.
    """
    token = new_token()
    store.conn.execute(
        "INSERT INTO campaign_tokens (token_hash, rater_id, assessment_id, issued_at) VALUES (?, ?, ?, ?)",
        (token_hash(store, token), rater.id, assessment_id, now()),
    )
    return token


@dataclass(frozen=True)
class TokenMatch:
    """What a returned form's token stands for."""

    rater: RosterRater
    assessment_id: int


def find_token(store: Store, token: str) -> TokenMatch | None:
    row = store.conn.execute(
        "SELECT rater_id, assessment_id FROM campaign_tokens WHERE token_hash = ?",
        (token_hash(store, token),),
    ).fetchone()
    if row is None:
        return None
    rater = store.conn.execute(_SELECT + "WHERE r.id = ?", (row["rater_id"],)).fetchone()
    return TokenMatch(_rater(rater), int(row["assessment_id"]))


def mark_invited(store: Store, rater: RosterRater, due_date: str | None, reminder: bool) -> None:
    stamp = now()
    if reminder:
        store.conn.execute(
            "UPDATE campaign_raters SET reminded_at = ?, due_date = COALESCE(?, due_date) WHERE id = ?",
            (stamp, due_date, rater.id),
        )
    else:
        store.conn.execute(
            "UPDATE campaign_raters SET state = ?, invited_at = ?, due_date = ? WHERE id = ?",
            (INVITED, stamp, due_date, rater.id),
        )


def mark_returned(store: Store, rater_ids: Sequence[int]) -> None:
    """Raters whose forms were imported (inside the import's transaction).

    Only the state says so, never when: the time would be their response's, and tie the roster to it.
    """
    store.conn.executemany(
        "UPDATE campaign_raters SET state = ? WHERE id = ? AND state = ?",
        [(RETURNED, rater_id, INVITED) for rater_id in rater_ids],
    )
