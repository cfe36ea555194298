"""A pulse campaign against the baseline campaign for the same 200 raters: forms and emails.

Run: .venv/bin/python bench/pulse_bench.py [--leaders 5] [--raters 40] [--instrument psl-360]
(prints both times and their ratio; asserts nothing). The target: a pulse takes at most a tenth of
the baseline's time, its form being a few questions where the baseline's is the whole instrument.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from forms_bench import nominate  # the baseline bench's roster, so both time the same raters

from leadcheck.campaign.issue import issue_forms
from leadcheck.instrument.catalog import load_instrument
from leadcheck.instrument.model import Instrument
from leadcheck.pulse import rounds
from leadcheck.store import Store
from leadcheck.store.plans import Focus


def _plans(store: Store, instrument: Instrument) -> None:
    """Every leader's plan: three behaviours of the instrument."""
    focus = [
        Focus(item, "Practise it weekly", "my team", "2031-01-31") for item in list(instrument.items)[:3]
    ]
    with store.transaction():
        for leader in store.leaders.every():
            store.plans.save(leader.id, store.assessments.current(leader).id, focus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leaders", type=int, default=5)
    parser.add_argument("--raters", type=int, default=40, help="raters per leader")
    parser.add_argument("--instrument", default="psl-360")
    args = parser.parse_args()
    instrument = load_instrument(args.instrument)
    sender = "Coach <coach@example.org>"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with Store.open(folder / "bench.db") as store:
            nominate(store, instrument, args.leaders, args.raters)
            raters = store.roster.raters()
            # Warm-up (WeasyPrint's import and fonts, once per process), apart from both timings.
            warm = [r for r in raters if r.leader_id == raters[0].leader_id][:1]
            issue_forms(store, warm, folder / "warm", sender=sender, due_date=None, reminder=False) if (
                folder / "warm"
            ).mkdir() is None else None
            raters = store.roster.raters()
            (folder / "baseline").mkdir()
            start = time.perf_counter()
            base = issue_forms(
                store, raters, folder / "baseline", sender=sender, due_date="2031-03-14", reminder=False
            )
            baseline = time.perf_counter() - start
            _plans(store, instrument)
            (folder / "pulse").mkdir()
            start = time.perf_counter()
            targets = [rounds.open_pulse(store, leader) for leader in store.leaders.every()]
            pulses = {t.leader.id: (t.pulse.id, t.instrument) for t in targets}
            pulse = issue_forms(
                store,
                raters,
                folder / "pulse",
                sender=sender,
                due_date="2031-04-30",
                reminder=False,
                pulse=pulses,
            )
            pulsed = time.perf_counter() - start
    print(
        f"raters: {len(base.issued)} baseline, {len(pulse.issued)} pulse ({args.leaders} leaders, {args.instrument})"
    )
    print(f"baseline campaign: {baseline:.2f} s ({base.renders} forms rendered)")
    print(f"pulse campaign:    {pulsed:.2f} s ({pulse.renders} forms rendered)")
    print(f"ratio pulse/baseline: {pulsed / baseline:.3f} (target: at most 0.100)")


if __name__ == "__main__":
    main()
