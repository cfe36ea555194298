"""The roster: who was nominated to rate which leader, in which group, and how far each has got.

A rater's state moves nominated -> invited -> returned; ``removed`` keeps the
row (so a form sent to a removed rater is recognised and refused) but forgets
the name and email. Names and emails are shown to the coach only (``raters
list``); they never appear in messages, reports or exports. The rows are
kept by ``store.roster`` (``leadcheck.store.roster``); the rules are here.
"""

from __future__ import annotations

import base64
import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from email_validator import EmailNotValidError, ValidatedEmail, validate_email

from leadcheck.base.errors import NotFoundError
from leadcheck.base.names import name_problem
from leadcheck.base.problems import Problems
from leadcheck.importing import csvfile
from leadcheck.importing.columns import describe_groups, loose, match_group
from leadcheck.instrument.model import SELF, Instrument
from leadcheck.store import Leader, Store, leader_key, leader_name_problem
from leadcheck.store.roster import INVITED as INVITED
from leadcheck.store.roster import NOMINATED as NOMINATED
from leadcheck.store.roster import REMOVED as REMOVED
from leadcheck.store.roster import RETURNED as RETURNED
from leadcheck.store.roster import STATES as STATES
from leadcheck.store.roster import RosterRater as RosterRater

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


def rater_name_problem(name: str) -> str | None:
    """What is wrong with a rater's name (the rule of every name; never quoting it), or None."""
    return name_problem(name, "rater's name", quote=False, limit=MAX_RATER_NAME)


_INVALID_EMAIL = "the email address is not valid; expected one address such as name@example.org"


def _validated(email: str) -> ValidatedEmail | str:
    """``email`` checked per RFC 5322 (RFC 6531 for non-ASCII), the domain per IDNA; else what is wrong.

    No quoted local parts, domain literals, display names or names that cannot
    be reached from the internet (``localhost``); no DNS lookups. The library's
    own messages quote the address, so they are never passed on.
    """
    if not email:
        return "the email address is empty; every rater needs one to be sent their form"
    if any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in email):
        return "the email address holds a line break, tab or other control character; expected one line"
    if len(email) > MAX_EMAIL:
        return f"the email address is {len(email)} characters long; expected at most {MAX_EMAIL}"
    if any(unicodedata.category(ch) == "Cf" for ch in email):
        return _INVALID_EMAIL
    try:
        return validate_email(email, check_deliverability=False)
    except (EmailNotValidError, UnicodeError, ValueError):
        return _INVALID_EMAIL


def email_problem(email: str) -> str | None:
    """What is wrong with ``email`` as a rater's address (without quoting it), or None."""
    checked = _validated(email)
    return checked if isinstance(checked, str) else None


def normal_email(email: str) -> str:
    """A valid address as stored: the domain in lower case and Unicode NFC (``email_problem`` is None)."""
    checked = _validated(email)
    return checked.normalized if isinstance(checked, ValidatedEmail) else email


def email_key(email: str) -> str:
    """An address as compared to tell raters apart: case ignored (as mail providers do)."""
    return unicodedata.normalize("NFC", email.strip()).casefold()


@dataclass(frozen=True)
class WireAddress:
    """An address as it goes into a header and an SMTP envelope."""

    address: str  # ASCII when it can be: the domain as IDNA (xn--...)
    smtputf8: bool  # the local part is not ASCII: only a server offering SMTPUTF8 can take it


def wire_address(email: str) -> WireAddress:
    """How ``email`` (a valid roster address) is written into an email: ASCII with an IDNA domain
    whenever the local part is ASCII; otherwise as UTF-8, which needs SMTPUTF8."""
    checked = _validated(email)
    if isinstance(checked, str):
        return WireAddress(email, not email.isascii())
    if checked.ascii_email:
        return WireAddress(checked.ascii_email, False)
    return WireAddress(f"{checked.local_part}@{checked.ascii_domain}", True)


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
    their group is checked against. Linear in the rows: each leader's roster is
    read once.
    """
    out: list[Nomination] = []
    seen: dict[tuple[str, str], int] = {}
    selves: dict[str, tuple[str, int]] = {}  # leader key -> the self rater's email key, and their row
    rosters = _Rosters(store)
    leader_problems: dict[str, str | None] = {}  # each leader's name is checked once, not per row
    for n in nominations:
        row = n.row
        bad = False
        if n.leader not in leader_problems:
            leader_problems[n.leader] = leader_name_problem(n.leader) if n.leader else "the leader is empty"
        leader_problem = leader_problems[n.leader]
        if leader_problem is not None:
            problems.error(f"{leader_problem}; correct it in the file", row=row, column="leader")
            bad = True
        rater_problem = rater_name_problem(n.name)
        if rater_problem is not None:
            problems.error(rater_problem, row=row, column="name")
            bad = True
        address = _validated(n.email)
        if isinstance(address, str):
            problems.error(address, row=row, column="email")
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
        assert not isinstance(address, str)
        email = address.normalized
        key = (leader_key(n.leader), email_key(email))
        if key in seen:
            at = f"line {seen[key]}" if seen[key] else "the command line"
            problems.error(f"the same rater is nominated for this leader again (first at {at})", row=row)
            continue
        seen[key] = row
        on_roster = rosters.of(n.leader)
        existing = on_roster.get(key[1])
        if existing is not None and existing.group != group:
            problems.error(
                f"this rater is already on the roster of this leader as {existing.group}, here as {group}; "
                "a rater answers in one group only: correct the group, or remove them first "
                "(leadcheck raters remove)",
                row=row,
                column="group",
            )
            continue
        if group == SELF:
            self_problem = _second_self(key, row, on_roster, selves)
            if self_problem is not None:
                problems.error(self_problem, row=row, column="group")
                continue
        out.append(Nomination(n.leader.strip(), n.name, email, group, row))
    return out


def _second_self(
    key: tuple[str, str], row: int, on_roster: dict[str, RosterRater], selves: dict[str, tuple[str, int]]
) -> str | None:
    """Why a self nomination is refused (the leader already has another self rater), or None."""
    leader, email = key
    for other_key, other in on_roster.items():
        if other.group == SELF and other_key != email:
            return (
                "this leader already has a self rater on the roster; a leader rates themself once: "
                "nominate them in another group, or remove the other first (leadcheck raters remove)"
            )
    first = selves.setdefault(leader, (email, row))
    if first[0] != email:
        at = f"line {first[1]}" if first[1] else "the command line"
        return (
            f"this leader already has a self rater (at {at}); a leader rates themself once: "
            "nominate them in another group"
        )
    return None


class _Rosters:
    """Each leader's raters on the roster (removed ones aside) by email key, read once per leader."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._by_leader: dict[str, dict[str, RosterRater]] = {}

    def of(self, leader: str) -> dict[str, RosterRater]:
        key = leader_key(leader)
        if key not in self._by_leader:
            found = self.store.leaders.find(leader)
            raters = roster(self.store, found) if found is not None else []
            self._by_leader[key] = {email_key(r.email): r for r in raters}
        return self._by_leader[key]


def add_nominations(
    store: Store,
    nominations: Sequence[Nomination],
    instrument_for: dict[str, Instrument],
    cohort: str | None = None,
) -> RosterChange:
    """Add checked nominations in one transaction; a rater already on the roster is left as is.

    A leader not yet assessed on the instrument their groups were checked
    against starts an assessment on it now, so their forms use that snapshot.
    Linear in the rows: each leader is looked up and their roster read once.
    """
    change = RosterChange(new_leaders=[])
    leaders: dict[str, Leader] = {}
    rosters = _Rosters(store)
    with store.transaction():
        for n in nominations:
            key = leader_key(n.leader)
            leader = leaders.get(key)
            if leader is None:
                existed = store.leaders.find(n.leader) is not None
                leader = store.leaders.ensure(n.leader, cohort)
                if not existed and change.new_leaders is not None:
                    change.new_leaders.append(leader.name)
                store.assessments.current_or_new(leader, instrument_for[n.leader])
                leaders[key] = leader
            on_roster = rosters.of(leader.name)
            if email_key(n.email) in on_roster:
                change.unchanged += 1
                continue
            store.roster.nominate(leader.id, n.name.strip(), n.email.strip(), n.group)
            change.added += 1
    return change


def roster(
    store: Store, leader: Leader | None = None, cohort: str | None = None, include_removed: bool = False
) -> list[RosterRater]:
    """The roster, by leader then group then id; one leader's or one cohort's when given."""
    return store.roster.raters(leader.id if leader is not None else None, cohort, include_removed)


def remove(store: Store, leader: Leader, email: str) -> RosterRater:
    """Take a rater off the leader's roster: their name and email are forgotten, their forms refused.

    Answers they already returned stay in the workspace (they are not
    theirs to withdraw by the coach's roster change alone).
    """
    found = next((r for r in roster(store, leader) if email_key(r.email) == email_key(email)), None)
    if found is None:
        raise NotFoundError(
            f'no rater with that email on the roster of "{leader.name}"; see `leadcheck raters list`'
        )
    store.roster.remove(found.id)
    return found


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
    return store.raters.hash("campaign-token:" + normalise_token(token))


def issue_token(store: Store, rater: RosterRater, assessment_id: int) -> str:
    """A new token for ``rater``'s form about the assessment; only its keyed hash is stored.

    Earlier tokens of the same rater stay valid: a rater who fills in the
    first form after a reminder is still counted once, as themself.
    """
    token = new_token()
    store.roster.add_token(token_hash(store, token), rater.id, assessment_id)
    return token


@dataclass(frozen=True)
class TokenMatch:
    """What a returned form's token stands for."""

    rater: RosterRater
    assessment_id: int


def find_token(store: Store, token: str) -> TokenMatch | None:
    found = store.roster.token(token_hash(store, token))
    return TokenMatch(*found) if found is not None else None
