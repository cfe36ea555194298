"""Importance: how important each competency is for the leader's role, as the leader and their manager said."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from leadcheck.base.responses import Response
from leadcheck.instrument.model import Instrument, importance_key


def ratings(instrument: Instrument, responses: Sequence[Response]) -> dict[str, Fraction]:
    """Each competency's mean importance over the answers of the groups asked (exact); {} when not asked.

    Only answers on the scale count; a competency nobody rated for importance is left out.
    The figure orders the development priorities and is never printed as a number, so a
    manager's answer is not shown on its own.
    """
    question = instrument.importance
    if question is None:
        return {}
    points = {p.value for p in instrument.scale.points}
    asked = set(question.groups)
    out: dict[str, Fraction] = {}
    for dim in instrument.dimensions:
        key = importance_key(dim.id)
        values = [
            v
            for r in responses
            if r.group in asked and isinstance(v := r.answers.get(key), int) and v in points
        ]
        if values:
            out[dim.id] = Fraction(sum(values), len(values))
    return out


__all__ = ["ratings"]
