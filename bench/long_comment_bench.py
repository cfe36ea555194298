"""Layout time of a report holding one 300,000-character unbroken comment, against the same
report without it (the aim: within 1.5x; see leadcheck.report.longtext).

Run: .venv/bin/python bench/long_comment_bench.py   (prints figures; asserts nothing)
"""

from __future__ import annotations

import random
import time

from leadcheck.base.responses import Response
from leadcheck.demo import demo_leaders, demo_responses
from leadcheck.instrument.catalog import load_instrument
from leadcheck.report.render import render
from leadcheck.scoring import score

LENGTH = 300_000


def seconds(responses: list[Response]) -> float:
    card = score(load_instrument("psl-360"), responses, "Ana Ruiz")
    started = time.perf_counter()
    render(card, "pdf")
    return time.perf_counter() - started


def main() -> None:
    psl = load_instrument("psl-360")
    incoming = demo_responses(psl, demo_leaders(1, 3), 3)
    plain = [Response(r.group, r.answers, r.comments) for r in incoming]
    rnd = random.Random(1)
    word = "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(LENGTH))
    first = plain[1]
    hostile = [*plain]
    hostile[1] = Response(first.group, first.answers, {**first.comments, psl.questions[0].id: word})
    seconds(plain)  # warm up: WeasyPrint's import and fonts
    base = min(seconds(plain) for _ in range(2))
    long = min(seconds(hostile) for _ in range(2))
    print(
        f"report: {base:.2f} s; with a {LENGTH:,}-character unbroken comment: {long:.2f} s ({long / base:.2f}x)"
    )


if __name__ == "__main__":
    main()
