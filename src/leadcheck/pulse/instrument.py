"""The pulse's questionnaire: an instrument snapshot generated from a round's instrument and its plan.

One item per focus behaviour (same id as in the round, so results map back to it), answered on a
scale of change from -3 (much less effective) to +3 (much more effective), "not observed" allowed,
and one open question. Rater groups and thresholds are the round's, so the anonymity rule and the
forms' promises are the same. The wording is leadcheck's own.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import yaml

from leadcheck.instrument.catalog import instrument_from_text
from leadcheck.instrument.model import Instrument
from leadcheck.store.plans import Plan

# The scale of change: value -> label. 0 is "no change"; a positive answer is an improvement.
CHANGE_SCALE: tuple[tuple[int, str], ...] = (
    (-3, "Much less effective"),
    (-2, "Less effective"),
    (-1, "Slightly less effective"),
    (0, "No change"),
    (1, "Slightly more effective"),
    (2, "More effective"),
    (3, "Much more effective"),
)
QUESTION_ID = "difference"
COMPETENCY_ID = "focus"


def long_date(iso: str) -> str:
    """``2026-12-03`` as a rater reads it: ``3 December 2026``."""
    day = date.fromisoformat(iso)
    return f"{day.day} {day:%B %Y}"


def pulse_id(round_instrument_id: str) -> str:
    """The id of a pulse instrument made from a round on ``round_instrument_id``."""
    return f"{round_instrument_id}-pulse"


def is_pulse_instrument(instrument: Instrument) -> bool:
    """Whether ``instrument`` is a generated pulse questionnaire (answers on the scale of change)."""
    return instrument.id.endswith("-pulse") and [p.value for p in instrument.scale.points] == [
        v for v, _ in CHANGE_SCALE
    ]


def _item(instrument: Instrument, item_id: str, since: str) -> dict[str, Any]:
    item = instrument.items[item_id]
    # A reverse-scored item names something to do less: "more effective" must say which way it goes.
    hint = " (more effective here means doing this less)" if item.reverse else ""
    return {
        "id": item.id,
        "others": f'Since {since}, has this leader become more or less effective at this{hint}: "{item.others_text}"',
        "self": f'Since {since}, have I become more or less effective at this{hint}: "{item.self_text}"',
    }


def pulse_instrument(round_instrument: Instrument, plan: Plan) -> Instrument:
    """The pulse questionnaire for ``plan`` (made after a round on ``round_instrument``), validated
    like any instrument: one item per focus behaviour, the scale of change, one open question."""
    since = long_date(plan.made_on)
    groups = [
        {"id": g.id, "label": g.label, "min_raters": g.min_raters, "optional": True}
        for g in round_instrument.rater_groups
    ]
    doc: dict[str, Any] = {
        "id": pulse_id(round_instrument.id),
        "version": round_instrument.version,
        "title": f"Pulse: {round_instrument.title}",
        "description": (
            f"A short follow-up to {round_instrument.title}: has the leader become more or less effective "
            f"at the behaviours of their development plan since {since}?"
        ),
        "language": round_instrument.language,
        "scale": {
            "points": [{"value": v, "label": label} for v, label in CHANGE_SCALE],
            "not_observed": True,
        },
        "rater_groups": groups,
        "competencies": [
            {
                "id": COMPETENCY_ID,
                "name": "Focus behaviours",
                "description": f"The behaviours the leader chose to work on on {since}.",
                "items": [_item(round_instrument, f.item_id, since) for f in plan.focus],
            }
        ],
        "questions": [
            {
                "id": QUESTION_ID,
                "others": f"What has this leader done differently since {since}, and what difference did it make?",
                "self": f"What have I done differently since {since}, and what difference did it make?",
            }
        ],
        "scoring": {"min_comment_raters": round_instrument.scoring.min_comment_raters},
    }
    text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)
    return instrument_from_text(text, f"the pulse of {round_instrument.id}")
