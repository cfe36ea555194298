"""The development plan: what is offered first, choosing behaviours, the plan file, and what a plan shows.

Pure functions of plain data (an instrument, a released scorecard, a plan,
today's date), then a few that read a round and its plans from the workspace
(the last section). The store keeps plans (``leadcheck.store.plans``), the CLI
asks and prints, and the report and the plan page print the views made here.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from leadcheck import priorities
from leadcheck.base import yamlsafe
from leadcheck.base.errors import PlanError
from leadcheck.base.problems import Problem, Problems
from leadcheck.base.yamlsafe import Node
from leadcheck.instrument.model import SELF, Instrument
from leadcheck.scoring import Scorecard
from leadcheck.store import Assessment, Store, no_assessment
from leadcheck.store.plans import MAX_FOCUS, Focus, Plan, focus_problem

FORMAT_KEY = "leadcheck_plan"
FORMAT_VERSION = 1
KEYS = (FORMAT_KEY, "focus")
FOCUS_KEYS = ("item", "action", "tell", "by")
# What the leader writes for one behaviour fits a line or two of the plan page.
MAX_TEXT = 300
DATE_FORMAT = "YYYY-MM-DD"
# An unknown id this close to an item's (difflib's ratio, as the other file readers use) is a typo.
CLOSE_ID = 0.6

FIELD_QUESTIONS = {
    "action": "what you will do",
    "tell": "who you will tell",
    "by": f"by when ({DATE_FORMAT})",
}


@dataclass(frozen=True)
class Offer:
    """A behaviour offered first: one the report named to work on, in its priority area."""

    item_id: str
    number: int  # the item's place in the instrument, 1 for the first
    text: str  # in the leader's own wording
    competency: str


def item_numbers(instrument: Instrument) -> dict[str, int]:
    """Every item's place in the instrument (1 for the first), the number a leader may type."""
    return {item_id: n for n, item_id in enumerate(instrument.items, start=1)}


def offers(card: Scorecard | None) -> tuple[Offer, ...]:
    """The behaviours the report's first page named to work on, from the card its last release
    published (``scorecards.released_card``); none before any release."""
    if card is None:
        return ()
    inst = card.instrument
    others = any(n for g, n in card.raters.items() if g != SELF)
    _, work = priorities.behaviours(card, priorities.behaviour_count(others))
    numbers = item_numbers(inst)
    return tuple(
        Offer(i.id, numbers[i.id], i.item.text_for(SELF), inst.dimension(i.dimension_id).name) for i in work
    )


def find_item(instrument: Instrument, typed: str) -> str:
    """The item a leader means by ``typed``: its number in the instrument or its id (case aside).
    PlanError saying what was typed, what is expected, and the closest id when there is one."""
    text = typed.strip()
    ids = list(instrument.items)
    if text.isdigit():
        n = int(text)
        if 1 <= n <= len(ids):
            return ids[n - 1]
        raise PlanError(f'"{text}" is not an item number; expected 1 to {len(ids)}')
    by_key = {i.casefold(): i for i in ids}
    if text.casefold() in by_key:
        return by_key[text.casefold()]
    return _unknown_item(instrument, text)


def _unknown_item(instrument: Instrument, text: str) -> str:
    """PlanError for an id no item has, naming the closest one (the first in the instrument on a tie)."""
    ids = list(instrument.items)
    typed = text.casefold()
    ratios = [(difflib.SequenceMatcher(None, typed, i.casefold()).ratio(), -n) for n, i in enumerate(ids)]
    best, at = max(ratios)
    hint = f'did you mean "{ids[-at]}"?' if best >= CLOSE_ID else ""
    hint = hint or f"the items are {ids[0]} ... {ids[-1]} (1 to {len(ids)})"
    raise PlanError(f'"{text}" is not an item of {instrument.id}; {hint}')


def due_date(value: object, today: date) -> str:
    """A plan's "by when" as an ISO date after ``today``; PlanError saying how to write it otherwise."""
    if isinstance(value, date):
        day = value
    else:
        text = str(value).strip()
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise PlanError(
                f'"{text}" is not a date; write it as {DATE_FORMAT}, for example {_example(today)}'
            ) from None
    if day <= today:
        raise PlanError(f"{day.isoformat()} is not after today ({today.isoformat()}); choose a day to come")
    return day.isoformat()


def _example(today: date) -> str:
    """A date three months from ``today``: a pulse 60 to 90 days on is when change shows."""
    month = today.month + 3
    year = today.year + (month - 1) // 12
    return date(year, (month - 1) % 12 + 1, min(today.day, 28)).isoformat()


def words(value: object, what: str) -> str:
    """What the leader wrote for ``what`` (an action, whom to tell): one line of text, trimmed."""
    if not isinstance(value, str) or not value.strip():
        raise PlanError(f"expected a few words: {what}")
    text = " ".join(value.split())
    if len(text) > MAX_TEXT:
        raise PlanError(f"{len(text)} characters; keep {what} to {MAX_TEXT}, a line or two of the plan page")
    return text


def check_plan(focus: Sequence[Focus]) -> tuple[Focus, ...]:
    """The behaviours as a plan (1 to MAX_FOCUS, each once); PlanError otherwise."""
    problem = focus_problem(focus)
    if problem:
        raise PlanError(problem)
    return tuple(focus)


# -- the plan file ---------------------------------------------------------------------------------


def plan_file(instrument: Instrument, chosen: Sequence[Offer], today: date, leader: str) -> str:
    """The plan file a leader fills in (the report's worksheet prints it), its examples the behaviours
    the report offers first."""
    import shlex

    items = [o.item_id for o in chosen] or list(instrument.items)[:1]
    lines = [
        f"# 1 to {MAX_FOCUS} behaviours (item ids of {instrument.id}); stored with: "
        f"leadcheck plan {shlex.quote(' '.join(leader.split()))} --file plan.yaml",
        f"{FORMAT_KEY}: {FORMAT_VERSION}",
        "focus:",
    ]
    for item_id in items[:MAX_FOCUS]:
        lines += [
            f"  - item: {item_id}",
            "    action: What I will do, in a sentence",
            "    tell: Who I will tell",
            f"    by: {_example(today)}",
        ]
    return "\n".join(lines) + "\n"


def read_plan_file(
    path: Path, instrument: Instrument, today: date
) -> tuple[tuple[Focus, ...], list[Problem]]:
    """The behaviours of a plan file, with every problem found (file:line:column); no behaviour
    when any problem is an error."""
    problems = Problems(str(path))
    root = _tree(path, problems)
    if root is None:
        return (), problems.found
    for first, again in yamlsafe.duplicate_keys(root):
        _at(problems, again, f'"{again.value}" appears twice (first at line {first.mark.line})', "plan-key")
    if root.kind != "mapping" or root.get(FORMAT_KEY) is None:
        _at(
            problems,
            root,
            f'not a leadcheck plan file: "{FORMAT_KEY}: {FORMAT_VERSION}" is missing',
            "plan-format",
        )
        return (), problems.found
    _unknown_keys(problems, root, KEYS)
    version = root.get(FORMAT_KEY)
    if version is not None and version.value != FORMAT_VERSION:
        _at(
            problems,
            version,
            f"{FORMAT_KEY} is {version.raw or version.value!r}; expected {FORMAT_VERSION}",
            "plan-format",
        )
    focus = _focus(problems, root, instrument, today)
    if not problems.has_errors:
        problem = focus_problem(focus)
        if problem:
            _at(problems, root.get("focus") or root, problem, "plan-count")
    return (() if problems.has_errors else tuple(focus)), sorted(problems.found)


def _tree(path: Path, problems: Problems) -> Node | None:
    try:
        return yamlsafe.parse(yamlsafe.decode(yamlsafe.read_bytes_bounded(path)))
    except yamlsafe.YamlReadError as e:
        problems.error(
            e.issue.message, row=e.issue.mark.line, position=e.issue.mark.column, code="plan-syntax"
        )
        return None


def _at(problems: Problems, node: Node, message: str, code: str) -> None:
    problems.error(message, row=node.mark.line, position=node.mark.column, code=code)


def _unknown_keys(problems: Problems, node: Node, known: Sequence[str]) -> None:
    for key, _ in node.pairs:
        if key.value not in known:
            close = difflib.get_close_matches(str(key.value), known, n=1, cutoff=0.6)
            hint = f'did you mean "{close[0]}"?' if close else f"expected {', '.join(known)}"
            _at(problems, key, f'unknown key "{key.value}"; {hint}', "plan-key")


def _focus(problems: Problems, root: Node, instrument: Instrument, today: date) -> list[Focus]:
    node = root.get("focus")
    if node is None:
        _at(
            problems,
            root,
            f"focus is missing; expected a list of 1 to {MAX_FOCUS} behaviours",
            "plan-missing",
        )
        return []
    if node.kind != "sequence":
        _at(
            problems,
            node,
            f"focus: expected a list of 1 to {MAX_FOCUS} behaviours, each starting with -",
            "plan-type",
        )
        return []
    if not 1 <= len(node.items) <= MAX_FOCUS:
        _at(
            problems,
            node,
            f"focus names {len(node.items)} behaviours; a plan names 1 to {MAX_FOCUS}",
            "plan-count",
        )
    chosen = []
    for n, entry in enumerate(node.items, start=1):
        found = _entry(problems, entry, n, instrument, today)
        if found is not None:
            chosen.append(found)
    return chosen


def _entry(problems: Problems, entry: Node, n: int, instrument: Instrument, today: date) -> Focus | None:
    """Behaviour ``n`` of the file, or None with its problems."""
    if entry.kind != "mapping":
        _at(problems, entry, f"behaviour {n}: expected item, action, tell and by", "plan-type")
        return None
    _unknown_keys(problems, entry, FOCUS_KEYS)
    values: dict[str, str] = {}
    for key in FOCUS_KEYS:
        node = entry.get(key)
        if node is None:
            _at(problems, entry, f"behaviour {n}: {key} is missing ({_what(key)})", "plan-missing")
            continue
        if node.kind != "scalar":
            _at(
                problems, node, f"behaviour {n}: {key}: expected one line of text ({_what(key)})", "plan-type"
            )
            continue
        try:
            values[key] = _value(key, node, instrument, today)
        except PlanError as e:
            code = {"item": "plan-item", "by": "plan-date"}.get(key, "plan-text")
            _at(problems, node, f"behaviour {n}: {key}: {e}", code)
    if len(values) < len(FOCUS_KEYS):
        return None
    return Focus(values["item"], values["action"], values["tell"], values["by"])


def _what(key: str) -> str:
    return "the item id or its number" if key == "item" else FIELD_QUESTIONS[key]


def _value(key: str, node: Node, instrument: Instrument, today: date) -> str:
    if key == "item":
        if node.value is None:
            raise PlanError(f"expected an item id of {instrument.id} or its number")
        return find_item(instrument, node.raw or str(node.value))
    if key == "by":
        if node.value is None:
            raise PlanError(f"expected a date, {DATE_FORMAT}")
        return due_date(node.value, today)
    return words(node.value, FIELD_QUESTIONS[key])


def restored(doc: object, instrument: Instrument) -> tuple[str, tuple[Focus, ...]]:
    """(made on, behaviours) of a plan as an export carries it (``Plan.as_dict``); PlanError saying
    what is wrong. Its dates are not checked against today: an export may be years old."""
    if not isinstance(doc, dict) or not isinstance(doc.get("focus"), list):
        raise PlanError('"plan" must be an object with "made_on" and a "focus" list, as export writes it')
    made_on = doc.get("made_on")
    if not isinstance(made_on, str) or not _is_date(made_on):
        raise PlanError(f'plan: "made_on" must be a date, {DATE_FORMAT}')
    focus = []
    for n, entry in enumerate(doc["focus"], start=1):
        if not isinstance(entry, dict) or set(entry) != set(FOCUS_KEYS):
            raise PlanError(f"plan: behaviour {n} must have exactly {', '.join(FOCUS_KEYS)}")
        item_id = entry["item"]
        if not isinstance(item_id, str) or item_id not in instrument.items:
            raise PlanError(f"plan: behaviour {n}: {item_id!r} is not an item of {instrument.id}")
        by = entry["by"]
        if not isinstance(by, str) or not _is_date(by):
            raise PlanError(f'plan: behaviour {n}: "by" must be a date, {DATE_FORMAT}')
        try:
            action = words(entry["action"], "what you will do")
            tell = words(entry["tell"], "who you will tell")
        except PlanError as e:
            raise PlanError(f"plan: behaviour {n}: {e}") from None
        focus.append(Focus(item_id, action, tell, by))
    try:
        return made_on, check_plan(focus)
    except PlanError as e:
        raise PlanError(f"plan: {e}") from None


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == len("2027-01-01")


# -- what a plan shows -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanRow:
    """One behaviour of a plan as printed: the behaviour, its competency, and the leader's words."""

    item_id: str
    behaviour: str
    competency: str
    action: str
    tell: str
    by: str


@dataclass(frozen=True)
class PlanSection:
    """A plan as the report and the plan page print it."""

    heading: str
    made_on: str
    rows: tuple[PlanRow, ...]
    this_round: bool  # the report's own round's plan (else the previous round's)


def plan_rows(plan: Plan, instrument: Instrument, group: str) -> tuple[PlanRow, ...]:
    """The plan's behaviours in ``group``'s wording (self for the leader, any other for raters)."""
    rows = []
    for f in plan.focus:
        item = instrument.items.get(f.item_id)
        text = item.text_for(group) if item is not None else f.item_id
        dim = instrument.item_dimension.get(f.item_id)
        competency = instrument.dimension(dim).name if dim is not None else ""
        rows.append(PlanRow(f.item_id, text, competency, f.action, f.tell, long_date(f.by)))
    return tuple(rows)


def long_date(iso: str) -> str:
    """``2027-02-01`` as "1 February 2027": read the same way in every country."""
    try:
        day = date.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{day.day} {day.strftime('%B')} {day.year}"


def report_section(plan: Plan, instrument: Instrument, round_number: int, this_round: bool) -> PlanSection:
    """The plan as the report prints it: the round's own, or the previous round's to read change against."""
    heading = "Your plan after this round" if this_round else f"Your plan after round {round_number}"
    return PlanSection(heading, long_date(plan.made_on), plan_rows(plan, instrument, SELF), this_round)


def others_group(instrument: Instrument) -> str:
    """The group whose wording the plan page uses: the first rater group that is not the leader."""
    return next((g.id for g in instrument.rater_groups if g.id != SELF), SELF)


@dataclass(frozen=True)
class PlanPage:
    """Everything plan.html.j2 prints: no score, no comment (it goes to the raters)."""

    language: str
    title: str
    author: str
    leader: str
    instrument_title: str
    made_on: str
    rows: tuple[PlanRow, ...]
    invitation: str
    generated: str


def plan_page(plan: Plan, instrument: Instrument, leader: str, today: date) -> PlanPage:
    """The one-page plan a leader shares with their raters, in the raters' wording."""
    n = len(plan.focus)
    behaviours = "this behaviour" if n == 1 else "these behaviours"
    invitation = (
        f"I have chosen to work on {behaviours} after my 360-degree feedback. Please tell me, as often as "
        "you like, what you notice: what helps, what does not, and what I could try next. In a few "
        "months I will ask you again whether anything has changed."
    )
    return PlanPage(
        language=instrument.language,
        title=f"Development plan: {leader}",
        author=leader,
        leader=leader,
        instrument_title=instrument.title,
        made_on=long_date(plan.made_on),
        rows=plan_rows(plan, instrument, others_group(instrument)),
        invitation=invitation,
        generated=today.isoformat(),
    )


def plan_document(plan: Plan, instrument: Instrument, leader: str, round_number: int) -> dict[str, object]:
    """The plan for tools (``plan --show --format json``, ``summary --format json``)."""
    texts = {r.item_id: r for r in plan_rows(plan, instrument, SELF)}
    return {
        "leader": leader,
        "instrument": instrument.id,
        "round": round_number,
        "made_on": plan.made_on,
        "focus": [
            {
                "item": f.item_id,
                "behaviour": texts[f.item_id].behaviour,
                "competency": texts[f.item_id].competency,
                "action": f.action,
                "tell": f.tell,
                "by": f.by,
            }
            for f in plan.focus
        ],
    }


def plan_json(plan: Plan, instrument: Instrument, leader: str, round_number: int) -> str:
    return json.dumps(plan_document(plan, instrument, leader, round_number), indent=2, ensure_ascii=False)


# -- from the workspace ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanRound:
    """The round a plan is for: the leader's assessment, its instrument and number, and its plan."""

    assessment: Assessment
    instrument: Instrument
    number: int  # 1 for the leader's first round on the instrument
    plan: Plan | None

    @property
    def leader(self) -> str:
        return self.assessment.leader.name

    def missing(self) -> PlanError:
        """The one "no plan yet" error, saying how to make one."""
        return PlanError(
            f'leader "{self.leader}" has no plan for round {self.number} on {self.instrument.id} yet; '
            f'make one with `leadcheck plan "{self.leader}"` in a terminal, or --file plan.yaml'
        )


def plan_round(store: Store, leader_name: str, instrument_id: str | None = None) -> PlanRound:
    """The leader's current round (on ``instrument_id`` when given) and its plan, if any."""
    leader = store.leaders.get(leader_name)
    current = store.assessments.current_or_none(leader, instrument_id)
    if current is None:
        raise no_assessment(leader, instrument_id)
    return round_of(store, current)


def round_of(store: Store, assessment: Assessment) -> PlanRound:
    """One round with its number and plan."""
    rounds = store.assessments.of_leader(assessment.leader, assessment.instrument_id)
    number = 1 + sum(1 for a in rounds if a.id < assessment.id)
    return PlanRound(
        assessment, store.assessments.instrument(assessment), number, store.plans.of_round(assessment.id)
    )


def save_plan(store: Store, where: PlanRound, focus: Sequence[Focus]) -> Plan:
    """Store the round's plan (replacing one it had), in one transaction."""
    return store.plans.save(where.assessment.leader.id, where.assessment.id, check_plan(focus))


def report_plans(store: Store, assessment: Assessment) -> tuple[PlanSection, ...]:
    """The plans a round's report prints: the previous round's (to read change against), then its own."""
    here = round_of(store, assessment)
    sections = []
    earlier = [
        a
        for a in store.assessments.of_leader(assessment.leader, assessment.instrument_id)
        if a.id < assessment.id
    ]
    if earlier:
        before = round_of(store, earlier[-1])
        if before.plan is not None:
            sections.append(report_section(before.plan, before.instrument, before.number, this_round=False))
    if here.plan is not None:
        sections.append(report_section(here.plan, here.instrument, here.number, this_round=True))
    return tuple(sections)


def current_plan(store: Store, assessment: Assessment) -> dict[str, object] | None:
    """The round's plan for tools (``summary --format json``), or None."""
    here = round_of(store, assessment)
    return None if here.plan is None else plan_document(here.plan, here.instrument, here.leader, here.number)
