"""Questionnaires for a rater campaign: 200 raters' forms and emails, against 200 full renders.

Run: .venv/bin/python bench/forms_bench.py [--leaders 5] [--raters 40] [--instrument psl-360]
(prints figures; asserts nothing). Forms are rendered once per leader and group
(WeasyPrint, the slow part) and personalised per rater (the token written in place).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from leadcheck.base import text as txt
from leadcheck.campaign import forms, pdfscan, roster
from leadcheck.campaign.issue import issue_forms
from leadcheck.campaign.returns import read_fields
from leadcheck.instrument.catalog import load_instrument
from leadcheck.instrument.model import Instrument
from leadcheck.store import Store


def nominate(store: Store, instrument: Instrument, leaders: int, raters: int) -> None:
    """``raters`` per leader on the roster: self, manager, then the other groups in turn."""
    others = [g.id for g in instrument.rater_groups if g.id not in ("self", "manager")]
    nominations = []
    for n in range(leaders):
        leader = f"Leader {n + 1:03d}"
        for r in range(raters):
            group = "self" if r == 0 else "manager" if r == 1 else others[r % len(others)]
            nominations.append(roster.Nomination(leader, f"Rater {r}", f"r{n}.{r}@example.org", group))
    roster.add_nominations(store, nominations, {x.leader: instrument for x in nominations})


def _one_form(instrument: Instrument) -> tuple[float, float, float]:
    """Seconds for one full render, one personalised copy and reading one form's fields back."""
    # Warm-up: WeasyPrint's import and font configuration happen once per process.
    forms.render_questionnaire(forms.questionnaire_view(instrument, "Warm Up", "peer", "w", None))
    start = time.perf_counter()
    one = forms.render_questionnaire(forms.questionnaire_view(instrument, "Leader X", "peer", "w", None))
    full = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(100):
        forms.personalise(one, roster.new_token())
    personal = (time.perf_counter() - start) / 100
    copy = forms.personalise(one, roster.new_token())
    start = time.perf_counter()
    for _ in range(5):
        read_fields(
            copy, pdfscan.FormBudget(pdfscan.ImportBudget())
        )  # one import's budget per form, as import reads it
    reading = (time.perf_counter() - start) / 5
    return full, personal, reading


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leaders", type=int, default=5)
    parser.add_argument(
        "--raters", type=int, default=40, help="raters per leader (self, manager, then peers and reports)"
    )
    parser.add_argument("--instrument", default="psl-360")
    args = parser.parse_args()
    instrument = load_instrument(args.instrument)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with Store.open(folder / "bench.db") as store:
            nominate(store, instrument, args.leaders, args.raters)
            raters = roster.roster(store)
            full, personal, reading = _one_form(instrument)
            start = time.perf_counter()
            result = issue_forms(
                store,
                raters,
                folder,
                sender="Coach <coach@example.org>",
                due_date="2031-03-14",
                reminder=False,
            )
            campaign = time.perf_counter() - start
    n = len(result.issued)
    rows = [
        ("raters (forms + .eml written)", f"{n}"),
        ("forms rendered (leaders x groups)", f"{result.renders}"),
        ("one full render of a form", f"{full:.2f} s"),
        ("personalising one copy", f"{personal * 1000:.1f} ms"),
        (f"whole campaign, {n} raters", f"{campaign:.1f} s ({campaign / n * 1000:.0f} ms per rater)"),
        (f"{n} full renders (estimated)", f"{full * n:.0f} s"),
        ("speed-up", f"{full * n / campaign:.1f}x"),
        ("reading one returned form's fields", f"{reading * 1000:.0f} ms"),
    ]
    width = max(len(label) for label, _ in rows)
    print(
        f"Questionnaires, {args.instrument} ({txt.count(len(instrument.items), 'item')}), "
        f"{txt.count(args.leaders, 'leader')}"
    )
    for label, value in rows:
        print(f"  {label:<{width}}  {value}")


if __name__ == "__main__":
    main()
