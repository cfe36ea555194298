"""A synthetic but believable cohort on psl-360, deterministic for a seed."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from leadcheck.base.responses import Answer, IncomingResponse
from leadcheck.instrument.model import SELF, Instrument

if TYPE_CHECKING:
    from leadcheck.store import Store

DEMO_COHORT = "demo"

FIRST = [
    "Alex",
    "Bea",
    "Carlos",
    "Dana",
    "Elif",
    "Farah",
    "Gabriel",
    "Hana",
    "Ivan",
    "Jamal",
    "Keiko",
    "Lena",
    "Marisol",
    "Noah",
    "Olu",
    "Priya",
    "Quinn",
    "Rosa",
    "Samir",
    "Tess",
    "Uma",
    "Victor",
    "Wen",
    "Yusuf",
    "Zoë",
    "André",
    "Chloé",
    "Søren",
    "Łucja",
    "Ngozi",
]
LAST = [
    "Abara",
    "Brennan",
    "Castillo",
    "Delgado",
    "Eriksen",
    "Fontaine",
    "Garcia",
    "Hughes",
    "Ibáñez",
    "Jensen",
    "Kowalski",
    "Lindqvist",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Patel",
    "Quintero",
    "Rahman",
    "Schäfer",
    "Tanaka",
    "Underwood",
    "Varga",
    "Whitfield",
    "Yilmaz",
]

COMMENTS = {
    "keep": [
        "Keep holding the weekly stand-up; it is the one meeting where everyone gets heard.",
        "Keep explaining the why behind decisions, not only the what.",
        "Keep protecting the team's time when other offices pile on requests.",
        "Keep sharing credit publicly. People notice.",
        "Keep asking front-line staff before changing a process.",
        "Keep the open-door hour on Fridays.",
        "Keep bringing data to budget conversations; it changed the outcome last quarter.",
        "Keep being candid about what you do not know yet.",
    ],
    "start": [
        "Start delegating the reporting work so you have time for the bigger picture.",
        "Start giving feedback sooner; waiting for the annual review is too late.",
        "Start including the regional offices earlier in planning.",
        "Start setting clearer priorities when everything is labelled urgent.",
        "Start asking for input before the decision is made, not after.",
        "Start telling us what happened with the ideas we raised.",
        "Start a rotation so more of us can brief senior leadership.",
    ],
    "stop": [
        "Stop rewriting drafts late at night; it signals you do not trust the team.",
        "Stop cancelling one-on-ones when the week gets busy.",
        "Stop saying yes to every new request without checking capacity.",
        "Stop answering email during meetings.",
        "Stop waiting for perfect information before deciding.",
        "Stop treating disagreement as disloyalty.",
    ],
}


@dataclass(frozen=True)
class DemoLeader:
    """How a synthetic leader behaves: their level, and how they see themself."""

    name: str
    level: float
    self_bias: float  # > 0 over-rates, < 0 under-rates


def _names(rng: random.Random, count: int) -> list[str]:
    """Distinct names; while the lists last, no first name and no surname appears twice.

    A coach tells leaders apart by either name, so a small cohort never has two
    Hughes or two Wens. Past the shorter list's length, full names stay
    distinct (numbered once every pair is used).
    """
    if count <= min(len(FIRST), len(LAST)):
        return [f"{f} {s}" for f, s in zip(rng.sample(FIRST, count), rng.sample(LAST, count), strict=True)]
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < count:
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if len(seen) >= len(FIRST) * len(LAST):
            name = f"{name} {len(out)}"
        if name not in seen:
            seen.add(name)
            out.append(name)
    return out


def demo_leaders(count: int, seed: int) -> list[DemoLeader]:
    """Leaders spread over over-raters, under-raters and accurate self-raters."""
    rng = random.Random(f"leaders:{seed}")
    biases = [0.9, -0.8, 0.0, 0.15, 0.5, -0.4]
    return [
        DemoLeader(
            name, min(4.5, max(2.4, rng.gauss(3.6, 0.45))), biases[i % len(biases)] + rng.gauss(0, 0.1)
        )
        for i, name in enumerate(_names(rng, count))
    ]


def _rater_counts(rng: random.Random, index: int) -> dict[str, int]:
    peers = rng.randint(3, 8)
    reports = rng.choice([0, 1, 2, 3, 4, 5, 6, 8])
    others = rng.choice([0, 1, 2, 3])
    if index % 5 == 3:
        peers = 2  # below the threshold of 3: hidden or pooled
    return {"manager": 1, "peer": peers, "direct_report": reports, "other": others}


def _answer(
    rng: random.Random,
    instrument: Instrument,
    true_value: float,
    reverse: bool,
    allow_no: bool,
    no_rate: float,
) -> Answer:
    scale = instrument.scale
    if allow_no and scale.not_observed and rng.random() < no_rate:
        return None
    value = round(true_value + rng.gauss(0, 0.6))
    value = min(scale.max, max(scale.min, value))
    return scale.min + scale.max - value if reverse else value


def demo_responses(
    instrument: Instrument, leaders: list[DemoLeader], seed: int, cohort: str = DEMO_COHORT
) -> list[IncomingResponse]:
    """Every response of the demo cohort, self and raters, ready for importing.policy.add_responses."""
    out: list[IncomingResponse] = []
    for index, leader in enumerate(leaders):
        rng = random.Random(f"responses:{seed}:{leader.name}")
        # Each leader is stronger in some competencies than others.
        dim_level = {d.id: leader.level + rng.gauss(0, 0.35) for d in instrument.dimensions}
        item_level = {
            item.id: dim_level[d.id] + rng.gauss(0, 0.25) for d in instrument.dimensions for item in d.items
        }
        counts = {SELF: 1, **_rater_counts(rng, index)}
        # Each comment at most once per leader: real raters do not write identical lines.
        bank = {q: rng.sample(texts, len(texts)) for q, texts in COMMENTS.items()}
        for group, count in counts.items():
            if group not in instrument.groups:
                continue
            for n in range(count):
                leniency = leader.self_bias if group == SELF else rng.gauss(0, 0.3)
                answers = {
                    item.id: _answer(
                        rng,
                        instrument,
                        item_level[item.id] + leniency,
                        item.reverse,
                        allow_no=group != SELF,
                        no_rate=0.12 if group == "other" else 0.03,
                    )
                    for item in instrument.items.values()
                }
                comments = {
                    q.id: bank[q.id].pop()
                    for q in instrument.questions
                    if bank.get(q.id) and q.asks(group) and rng.random() < (0.8 if group == SELF else 0.45)
                }
                out.append(
                    IncomingResponse(
                        leader=leader.name,
                        group=group,
                        answers=answers,
                        comments=comments,
                        source=f"demo:{leader.name}:{group}:{n}",
                        rater_identity=f"demo:{seed}:{leader.name}:{group}:{n}",
                        submitted_at=f"2026-10-{1 + (index + n) % 28:02d}T09:00:00+00:00",
                        cohort=cohort,
                    )
                )
    return out


def check_demo_workspace(store: Store, path: object) -> None:
    """UsageError when the workspace holds leaders outside the demo cohort: invented people never mix
    with real ones (a LEADCHECK_DB pointing at a real workspace, a forgotten --db)."""
    from leadcheck.base.errors import UsageError

    real = [leader.name for leader in store.leaders.every() if leader.cohort != DEMO_COHORT]
    if real:
        raise UsageError(
            f"{path} holds {len(real)} leader{'s' if len(real) != 1 else ''} outside the demo cohort "
            f'(first: "{real[0]}"); the demo adds invented people only to a workspace of demo leaders: '
            "choose another with --db (leadcheck --db demo.db demo)"
        )
