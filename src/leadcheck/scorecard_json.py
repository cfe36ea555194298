"""A scorecard as plain JSON-ready data: the `summary --json` document (means unrounded)."""

from __future__ import annotations

from leadcheck.scoring import REVERSE_MEANING, DimensionScore, Finding, Scorecard, Stat, group_label


def _stat_json(s: Stat) -> dict[str, object]:
    return {"n": s.n, "mean": s.mean}


def _finding_json(f: Finding) -> dict[str, object]:
    return {
        "id": f.item_id,
        "dimension": f.dimension_id,
        "text": f.text,
        "self": f.self,
        "others": f.others,
        "gap": f.gap,
        # The gap less the leader's overall difference from others (leadcheck.findings): what
        # makes an item a blind spot or hidden strength.
        "relative_gap": float(f.relative_gap) if f.relative_gap is not None else None,
        "reverse": f.reverse,
        **({"meaning": REVERSE_MEANING} if f.reverse else {}),
    }


def _dimension_json(d: DimensionScore) -> dict[str, object]:
    return {
        "id": d.id,
        "name": d.dimension.name,
        "self": d.self,
        "others": d.others.mean,
        "others_n": d.others.n,
        "others_sd": d.others.sd,
        "gap": d.gap,
        "agreement": d.agreement,
        "rwg_j": d.rwg_j,
        "low_consensus": d.low_consensus,
        "groups": {g: _stat_json(s) for g, s in d.groups.items()},
        "items": [
            {
                "id": i.id,
                "text": i.item.others_text,
                "reverse": i.item.reverse,
                **({"meaning": REVERSE_MEANING} if i.item.reverse else {}),
                "self": i.self,
                "others": i.others.mean,
                "others_n": i.others.n,
                "others_sd": i.others.sd,
                "others_min": i.others.min,
                "others_max": i.others.max,
                "distribution": list(i.others.distribution),
                "not_observed": i.others.not_observed,
                "gap": i.gap,
                "rwg": i.rwg,
                "low_consensus": i.low_consensus,
                "held": i.held,  # the figures released earlier: newer answers held back (anonymity rule 4)
                "groups": {g: _stat_json(s) for g, s in i.groups.items()},
            }
            for i in d.items
        ],
    }


def scorecard_json(card: Scorecard) -> dict[str, object]:
    """The scorecard as plain JSON-ready data (the `summary --json` document). Means unrounded."""
    inst = card.instrument
    return {
        "leader": card.leader,
        "instrument": {
            "id": inst.id,
            "version": inst.version,
            "title": inst.title,
            "hash": inst.content_hash,
        },
        "scale": {"min": inst.scale.min, "max": inst.scale.max},
        "raters": card.raters,
        "groups": [{"id": g, "label": group_label(inst, g)} for g in card.shown_groups],
        "hidden_groups": [g.id for g in card.hidden_groups],
        "competencies": [_dimension_json(d) for d in card.competencies],
        "values": [_dimension_json(d) for d in card.values],
        "blind_spots": [_finding_json(f) for f in card.blind_spots],
        "hidden_strengths": [_finding_json(f) for f in card.hidden_strengths],
        "highest": [_finding_json(f) for f in card.highest],
        "lowest": [_finding_json(f) for f in card.lowest],
        "notes": list(card.notes),
    }
