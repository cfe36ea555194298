"""Golden HTML of the report: any change to what a reader sees shows up as a reviewable diff.

When a change is intended, accept the new output with:

    LEADCHECK_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py

and review the diff of tests/golden/ in the commit.
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import pytest

from leadcheck.base.responses import Response
from leadcheck.cohort.statistics import cohort_stats
from leadcheck.cohort.summary import build_cohort_view
from leadcheck.instrument.catalog import load_instrument
from leadcheck.report.bundle import load_bundle
from leadcheck.report.html import render_html
from leadcheck.report.render import view_for
from leadcheck.scoring import score

from .conftest import EXAMPLES

GOLDEN = Path(__file__).parent / "golden"
DAY = date(2026, 1, 15)


def scrub(html: str) -> str:
    """Remove what may change without a reader noticing: the stylesheet (golden-tested by eye) and hashes."""
    html = re.sub(r"<style>.*?</style>", "<style>(report.css)</style>", html, flags=re.S)
    return re.sub(r"content [0-9a-f]{12}", "content <hash>", html)


def check(name: str, html: str) -> None:
    path = GOLDEN / name
    html = scrub(html)
    if os.environ.get("LEADCHECK_UPDATE_GOLDEN"):
        path.write_text(html, encoding="utf-8")
    if not path.exists():
        pytest.fail(f"{path} is missing: run with LEADCHECK_UPDATE_GOLDEN=1 to create it")
    assert html == path.read_text(encoding="utf-8"), f"{name} changed: see the module docstring to accept it"


def _responses() -> dict[str, list[Response]]:
    return {
        "Ana Ruiz": [
            Response("self", {"li-1": 3}, {}),
            Response("manager", {"li-1": 3}, {}),
            *[Response("peer", {"li-1": v}, {}) for v in (1, 2, 3)],
        ],
        "Bo Chen": [
            Response("self", {"li-1": 2}, {}),
            *[Response("direct_report", {"li-1": v}, {}) for v in (3, 3, 2)],
        ],
    }


def test_report_html_is_unchanged() -> None:
    inst = load_instrument(EXAMPLES / "valid" / "minimal.yaml")
    card = score(inst, _responses()["Ana Ruiz"], "Ana Ruiz")
    check("report.html", render_html(view_for(card, generated=DAY), load_bundle()))


def test_cohort_summary_html_is_unchanged() -> None:
    inst = load_instrument(EXAMPLES / "valid" / "minimal.yaml")
    data = _responses()
    cards = [score(inst, responses, name) for name, responses in data.items()]
    view = build_cohort_view(cohort_stats(cards, data), "spring", {n: n for n in data}, generated=DAY)
    check("cohort-summary.html", render_html(view, load_bundle(), "cohort.html.j2"))
