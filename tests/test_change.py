"""Change between two rounds: verdicts against scipy, shared raters against an attacker, and versions."""

from __future__ import annotations

import functools
import itertools
import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from leadcheck import change as chg
from leadcheck.anonymity import Thresholds, member
from leadcheck.findings import floored_sd
from leadcheck.scoring import Stat
from leadcheck.stats import welch_interval, welch_quantile
from tests.conftest import Run, pdftotext

FIXTURES = Path(__file__).parent / "fixtures" / "imports"
TEAM = FIXTURES / "team-360.yaml"
SPAN = 4.0  # the width of a 1-5 scale: two means on it differ by at most 4

ratings = st.lists(st.integers(1, 5), min_size=2, max_size=8)


def _stat(values: Sequence[int]) -> Stat:
    return Stat.of([float(v) for v in values], range(1, 6))


def _scipy_verdict(before: Stat, after: Stat) -> tuple[str, float]:
    """The verdict from scipy's Welch test on the same (floored) figures, and its p-value."""
    assert before.mean is not None and after.mean is not None
    test = sps.ttest_ind_from_stats(
        after.mean,
        floored_sd(after.sd, after.n),
        after.n,
        before.mean,
        floored_sd(before.sd, before.n),
        before.n,
        equal_var=False,
    )
    if test.pvalue >= 0.05:
        return chg.NO_CHANGE, float(test.pvalue)
    return (chg.IMPROVEMENT if test.statistic > 0 else chg.DECLINE), float(test.pvalue)


@settings(max_examples=300, deadline=None)
@given(ratings, ratings)
def test_an_item_verdict_is_scipys_welch_test(before: list[int], after: list[int]) -> None:
    b, a = _stat(before), _stat(after)
    expected, p = _scipy_verdict(b, a)
    assume(abs(p - 0.05) > 1e-9)  # a p-value on the boundary is decided by rounding, not by the method
    assert chg.shift((b.mean, b.sd, b.n), (a.mean, a.sd, a.n), SPAN).verdict == expected  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(ratings, ratings)
def test_the_interval_is_scipys_where_raters_disagree(before: list[int], after: list[int]) -> None:
    """Where no SD is floored, leadcheck's interval is scipy's Welch interval on the raw ratings, clipped."""
    b, a = _stat(before), _stat(after)
    assume(
        b.sd is not None and a.sd is not None and b.sd >= 1 / math.sqrt(b.n) and a.sd >= 1 / math.sqrt(a.n)
    )
    ci = sps.ttest_ind(after, before, equal_var=False).confidence_interval(0.95)
    got = chg.shift((b.mean, b.sd, b.n), (a.mean, a.sd, a.n), SPAN)  # type: ignore[arg-type]
    assert got.low == pytest.approx(max(-SPAN, ci.low), abs=1e-9)
    assert got.high == pytest.approx(min(SPAN, ci.high), abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(
    st.floats(1, 5),
    st.floats(0.05, 2),
    st.integers(2, 40),
    st.floats(1, 5),
    st.floats(0.05, 2),
    st.integers(2, 40),
)
def test_welch_interval_matches_scipy(m1: float, s1: float, n1: int, m2: float, s2: float, n2: int) -> None:
    w = welch_interval((m1, s1, n1), (m2, s2, n2))
    v1, v2 = s1**2 / n1, s2**2 / n2
    df = (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1))
    half = sps.t.ppf(0.975, df) * math.sqrt(v1 + v2)
    assert w.df == pytest.approx(df, rel=1e-12)
    assert w.low == pytest.approx(m2 - m1 - half, abs=1e-9)
    assert w.high == pytest.approx(m2 - m1 + half, abs=1e-9)


@pytest.mark.parametrize("df", [1.0, 1.0001, 1.7, 2.0, 3.3, 4.58, 9.1, 30.5, 200.3, 5000.0, 1e6])
@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_the_t_quantile_for_any_degrees_of_freedom_is_scipys(df: float, confidence: float) -> None:
    """Welch's degrees of freedom are not whole: Newton's steps (or the bisection they fall back to)
    give scipy's quantile."""
    expected = sps.t.ppf((1 + confidence) / 2, df)
    assert welch_quantile.__wrapped__(confidence, df) == pytest.approx(expected, rel=1e-11)


def test_three_raters_who_agree_need_a_large_change() -> None:
    """The README's figures: at n = 3 a round, raters who all agree must move 1.31 points or more."""
    agree = (3.0, 0.0, 3)
    for after, expected in ((4.0, chg.NO_CHANGE), (4.5, chg.IMPROVEMENT), (1.5, chg.DECLINE)):
        s = chg.shift(agree, (after, 0.0, 3), SPAN)
        assert s.verdict == expected
    s = chg.shift(agree, (4.0, 0.0, 3), SPAN)
    assert s.high is not None and s.high - 1.0 == pytest.approx(1.31, abs=0.005)
    eight = chg.shift((3.0, 0.8, 8), (3.5, 0.8, 8), SPAN)  # the README's n = 8, SD 0.8 example
    assert eight.high is not None and eight.high - 0.5 == pytest.approx(0.86, abs=0.005)
    assert eight.verdict == chg.NO_CHANGE
    assert chg.shift((3.0, 0.0, 1), (5.0, 0.0, 3), SPAN).verdict is None  # one rater: no verdict


# -- shared raters: an attacker who holds both rounds' figures ------------------------------------

PEERS = 3  # the peers' threshold
UNIVERSE = "abcde"  # five peers invited to both rounds


def _tokens(people: str) -> frozenset[str]:
    return frozenset(member("peer", p, "") for p in people)


@functools.cache
def _verdict(d1: tuple[int, ...], d2: tuple[int, ...]) -> str | None:
    b, a = _stat(d1), _stat(d2)
    return chg.shift((b.mean, b.sd, b.n), (a.mean, a.sd, a.n), 2.0).verdict  # type: ignore[arg-type]


def _worlds(
    count: Callable[[frozenset[str], frozenset[str]], int | None],
) -> dict[tuple[object, ...], list[tuple[tuple[int, ...], tuple[int, ...]]]]:
    """Every world the reader cannot tell apart, by what is printed: each round's peers (at least 3, so
    both rounds' figures are shown), their answers to one item on a 3-point scale, the stayers giving the
    same answer both times (the reader's strongest assumption). What the reader sees: each round's n
    and counts per point (the most a figure prints), the verdict, and the shared count. Per
    observation: the answers of who joined and who left, in each world."""
    rounds = [
        "".join(c) for k in range(PEERS, len(UNIVERSE) + 1) for c in itertools.combinations(UNIVERSE, k)
    ]
    seen: dict[tuple[object, ...], list[tuple[tuple[int, ...], tuple[int, ...]]]] = {}
    for r1, r2 in itertools.product(rounds, rounds):
        everyone = sorted(set(r1) | set(r2))
        shared = count(_tokens(r1), _tokens(r2))
        for answers in itertools.product((1, 2, 3), repeat=len(everyone)):
            said = dict(zip(everyone, answers, strict=True))
            d1 = tuple(sorted(said[p] for p in r1))
            d2 = tuple(sorted(said[p] for p in r2))
            verdict = _verdict(d1, d2)
            joined = tuple(sorted(said[p] for p in r2 if p not in r1))
            left = tuple(sorted(said[p] for p in r1 if p not in r2))
            seen.setdefault((d1, d2, verdict, shared), []).append((joined, left))
    return seen


Breach = tuple[tuple[int, ...], tuple[int, ...], str, tuple[int, ...]]


def _singled_out(
    seen: dict[tuple[object, ...], list[tuple[tuple[int, ...], tuple[int, ...]]]],
) -> set[Breach]:
    """What a reader learns of fewer than 3 people: observations after which, in every world that
    prints them, the same few people joined (or left) and gave the same answers. A round whose raters
    all gave one answer shows it for each of them, whoever joined or left: the threshold's own limit
    (README, rule 4), not something the count gives away."""
    found = set()
    for (d1, d2, _verdict, _shared), worlds in seen.items():
        for side, name, their_round in ((0, "joined", d2), (1, "left", d1)):
            if len(set(their_round)) == 1:
                continue
            answers = {w[side] for w in worlds}
            if len(answers) == 1:
                (only,) = answers
                if 0 < len(only) < PEERS:
                    found.add((d1, d2, name, only))
    return found


def test_the_shared_count_never_singles_out_who_joined_or_left() -> None:
    """The two rounds' n alone can tell a reader who assumes stayers rate alike what a newcomer said
    (3 raters, then all 5 invited: the two new ones gave what round 2 has more of). The count must add
    nothing to that; printed whatever the sets, it does."""
    thresholds = Thresholds({"peer": PEERS})
    without = _singled_out(_worlds(lambda was, now: None))
    with_rule = _singled_out(_worlds(lambda was, now: chg.shared_count(was, now, thresholds)))
    assert with_rule <= without
    # The attack the rule stops: three stayed and one joined, printed as "3 shared" beside n = 4.
    naive = _singled_out(_worlds(lambda was, now: len(was & now)))
    assert ((1, 1, 1), (1, 1, 1, 3), "joined", (3,)) in naive - without


def test_audit_checks_the_sets_a_shared_count_was_about() -> None:
    """A ledger whose shared counts split off one peer (say, written by hand) fails the audit."""
    from leadcheck.instrument.catalog import load_instrument
    from leadcheck.releases import Release, audit
    from leadcheck.scoring import Released

    team = load_instrument(TEAM)

    def release(*people: str) -> Release:
        return Release(
            1, 1, "2026-01-01", "report", "", Released({}, {}, {}, False, tuple(map(_tokens, people)))
        )

    assert audit(team, [release("abc", "abcdef")]) == []
    (finding,) = audit(team, [release("abc", "abcdef"), release("abc", "abcdefg")])
    assert finding.where == "raters shared with another round"


def test_a_count_published_before_is_set_beside_the_next() -> None:
    """Round 2 printed "3 shared" of {a, b, c} and {a, b, c, d, e, f}; when g joins, round 2's set grows
    by one person: the next count would split off {g}, so it is withheld."""
    thresholds = Thresholds({"peer": PEERS})
    before, now = _tokens("abc"), _tokens("abcdef")
    assert chg.shared_count(before, now, thresholds) == 3
    assert chg.shared_count(before, _tokens("abcdefg"), thresholds, (before, now)) is None
    assert chg.shared_count(before, _tokens("abcdefghi"), thresholds, (before, now)) == 3


# -- end to end: two rounds imported, a report, a summary -----------------------------------------

HEADER = "leader,group,email,li-1,li-2,fb-1,fb-2,fb-3\n"
ROUND_1 = [
    ("self", "", (4, 4, 4, 4, 2)),
    ("manager", "m@x.org", (3, 3, 3, 3, 3)),
    ("peer", "p1@x.org", (2, 3, 2, 3, 4)),
    ("peer", "p2@x.org", (2, 2, 3, 3, 4)),
    ("peer", "p3@x.org", (3, 2, 2, 3, 3)),
    ("peer", "p4@x.org", (2, 3, 3, 2, 4)),
]
# Listening up by about two points; fb-3 ("becomes defensive", reverse-scored) answered 4 -> 1:
# less defensive, an improvement; fb-2 unchanged. p4 left, p5 joined.
ROUND_2 = [
    ("self", "", (4, 4, 4, 4, 2)),
    ("manager", "m@x.org", (4, 4, 3, 3, 1)),
    ("peer", "p1@x.org", (5, 4, 2, 3, 1)),
    ("peer", "p2@x.org", (4, 5, 3, 3, 1)),
    ("peer", "p3@x.org", (5, 4, 2, 3, 2)),
    ("peer", "p5@x.org", (4, 5, 3, 2, 1)),
]
ITEMS = ("li-1", "li-2", "fb-1", "fb-2", "fb-3")


def _csv(path: Path, rows: Sequence[tuple[str, str, tuple[int, ...]]]) -> Path:
    lines = [f"Ana Ruiz,{g},{e},{','.join(map(str, a))}\n" for g, e, a in rows]
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    return path


def _two_rounds(
    cli: Callable[..., Run],
    tmp_path: Path,
    second: Path = TEAM,
    round_2: Sequence[tuple[str, str, tuple[int, ...]]] = ROUND_2,
) -> None:
    assert cli("import", _csv(tmp_path / "r1.csv", ROUND_1), "--instrument", TEAM).exit_code == 0
    assert cli("assess", "Ana Ruiz", "--new", "-i", second, input="q\n").exit_code == 0
    assert cli("import", _csv(tmp_path / "r2.csv", round_2), "--instrument", second).exit_code == 0


def _others(rows: Sequence[tuple[str, str, tuple[int, ...]]], item: str) -> list[float]:
    k = ITEMS.index(item)
    # Recoded as scoring does: fb-3 is reverse-scored (1 <-> 5), so higher is always better.
    return [float(6 - a[k] if item == "fb-3" else a[k]) for g, _, a in rows if g != "self"]


def _expected(item: str) -> str:
    """The item's verdict from scipy's Welch test on the raw ratings of both rounds."""
    b, a = _others(ROUND_1, item), _others(ROUND_2, item)
    sb, sa = _stat([int(v) for v in b]), _stat([int(v) for v in a])
    return _scipy_verdict(sb, sa)[0]


def test_two_rounds_end_to_end(cli: Callable[..., Run], tmp_path: Path) -> None:
    _two_rounds(cli, tmp_path)
    doc = json.loads(cli("summary", "Ana Ruiz", "--format", "json").stdout)
    prev = doc["previous"]
    assert prev["same_version"] is True and prev["not_compared"] == []
    # Manager and p1-p3 rated both times; p4 left and p5 joined: one person each way, below the peers'
    # threshold of 3, so the count is withheld.
    assert prev["shared_raters"] is None
    items = {i: v for c in prev["changes"].values() for i, v in c["items"].items()}
    assert {i: v["verdict"] for i, v in items.items()} == {i: _expected(i) for i in ITEMS}
    assert items["li-1"]["verdict"] == chg.IMPROVEMENT
    assert items["fb-3"]["verdict"] == chg.IMPROVEMENT  # raw answers fell: less defensive
    assert items["fb-2"]["verdict"] == chg.NO_CHANGE
    for i in ITEMS:
        assert items[i]["others"] == pytest.approx(
            math.fsum(_others(ROUND_2, i)) / 5 - math.fsum(_others(ROUND_1, i)) / 5
        )
    # A competency: the mean of its item means each round, with the mean of the items' SDs and the
    # smallest item n (conservative), checked by scipy.
    listening = prev["changes"]["listening"]
    sides = []
    for rows in (ROUND_1, ROUND_2):
        st_ = [_stat([int(v) for v in _others(rows, i)]) for i in ("li-1", "li-2")]
        sides.append((sum(s.mean for s in st_) / 2, sum(floored_sd(s.sd, s.n) for s in st_) / 2, 5))  # type: ignore[misc]
    test = sps.ttest_ind_from_stats(*sides[1], *sides[0], equal_var=False)
    assert listening["verdict"] == (chg.IMPROVEMENT if test.pvalue < 0.05 and test.statistic > 0 else "?")

    text = cli("summary", "Ana Ruiz").stdout
    assert "How many raters rated in both rounds is not shown" in text
    assert "li-1: +2.00 (95% interval" in text and "reliable improvement" in text

    out = tmp_path / "ana.pdf"
    assert cli("report", "Ana Ruiz", "-o", out).exit_code == 0
    pdf = " ".join(pdftotext(out).split())
    assert "Change since the previous round" in pdf
    assert "Welch, 1947" in pdf
    assert "Change in all others' rating since the previous round:" in pdf
    assert f"▲ {chg.IMPROVEMENT}" in pdf  # marked, so it reads the same in grayscale
    assert f"What changed reliably ▲ {chg.IMPROVEMENT} +1.90: Listening (competency)" in pdf
    assert chg.NO_CHANGE in pdf
    assert "How many raters rated in both rounds is not shown" in pdf
    assert "by Welch's method (Welch, 1947, Biometrika 34, 28–35)" in pdf  # the appendix's rule


def test_the_shared_count_and_verdicts_go_to_the_ledger(cli: Callable[..., Run], tmp_path: Path) -> None:
    """With p4 back in round 2 beside p5, p6 and p7 (three joined), the count is printed, and the
    release records the sets it was about and every verdict."""
    round_2 = [
        *ROUND_2[:5],
        ("peer", "p4@x.org", (4, 5, 3, 2, 1)),
        ("peer", "p5@x.org", (4, 4, 3, 2, 1)),
        ("peer", "p6@x.org", (5, 4, 3, 2, 1)),
        ("peer", "p7@x.org", (4, 4, 2, 2, 1)),
    ]
    _two_rounds(cli, tmp_path, round_2=round_2)
    doc = json.loads(cli("summary", "Ana Ruiz", "--format", "json").stdout)
    assert doc["previous"]["shared_raters"] == 5  # the manager and p1-p4; p5-p7 joined
    assert "Raters who rated in both rounds (in the same group): 5." in cli("summary", "Ana Ruiz").stdout
    from leadcheck.releases import releases
    from leadcheck.store import Store

    with Store.open(tmp_path / "workspace.db", create=False) as store:
        leader = store.leaders.get("Ana Ruiz")
        first, second = store.assessments.of_leader(leader, "team-360")
        kinds = [r.kind for r in releases(store, first)]
        latest = releases(store, second)
        assert "change" in kinds
        assert [len(p) for p in latest[-1].figures.people] == [5, 8]
        import sqlite3

        raw = json.loads(
            sqlite3.connect(tmp_path / "workspace.db")
            .execute("SELECT figures FROM releases WHERE assessment_id = ? ORDER BY id DESC", (second.id,))
            .fetchone()[0]
        )
    assert raw["change"]["shared"] == 5
    assert raw["change"]["verdicts"]["li-1"] == chg.IMPROVEMENT
    assert cli("audit", "Ana Ruiz").exit_code == 0


def test_a_reworded_item_shows_no_change(cli: Callable[..., Run], tmp_path: Path) -> None:
    reworded = tmp_path / "team-360-1.1.yaml"
    reworded.write_text(
        TEAM.read_text(encoding="utf-8")
        .replace('version: "1.0.0"', 'version: "1.1.0"')
        .replace("This leader lets people finish before answering.", "This leader never interrupts."),
        encoding="utf-8",
    )
    _two_rounds(cli, tmp_path, reworded)
    prev = json.loads(cli("summary", "Ana Ruiz", "--format", "json").stdout)["previous"]
    assert prev["instrument_version"] == "1.0.0" and prev["same_version"] is False
    assert prev["not_compared"] == ["li-1"]
    listening = prev["changes"]["listening"]
    assert list(listening["items"]) == ["li-2"]  # li-1 was reworded: no change shown for it
    assert (listening["items_compared"], listening["items_total"]) == (1, 2)
    # The competency's change is over li-2 alone.
    assert listening["others"] == pytest.approx(
        math.fsum(_others(ROUND_2, "li-2")) / 5 - math.fsum(_others(ROUND_1, "li-2")) / 5
    )
    text = cli("summary", "Ana Ruiz").stdout
    assert "li-1:" not in text
    assert "Listening (over 1 of 2 items)" in text
    out = tmp_path / "ana.pdf"
    assert cli("report", "Ana Ruiz", "-o", out).exit_code == 0
    pdf = " ".join(pdftotext(out).split())
    assert (
        "versions 1.0.0 and 1.1.0 of the instrument: only items worded the same in both are compared" in pdf
    )
    assert "1 item reworded or new is left out (li-1)" in pdf
    assert "over 1 of 2 items" in pdf


def test_a_manager_alone_gets_a_change_but_no_verdict(cli: Callable[..., Run], tmp_path: Path) -> None:
    """One rater a round: the change is shown, with "too few raters for a verdict", and no shared count
    is needed to say so (the manager is shown as theirs by design)."""
    rows_1 = [("manager", "m@x.org", (2, 2, 2, 2, 2))]
    rows_2 = [("manager", "m@x.org", (4, 4, 4, 4, 4))]
    assert cli("import", _csv(tmp_path / "r1.csv", rows_1), "--instrument", TEAM).exit_code == 0
    assert cli("assess", "Ana Ruiz", "--new", "-i", TEAM, input="q\n").exit_code == 0
    assert cli("import", _csv(tmp_path / "r2.csv", rows_2), "--instrument", TEAM).exit_code == 0
    prev = json.loads(cli("summary", "Ana Ruiz", "--format", "json").stdout)["previous"]
    assert prev["changes"]["listening"]["others"] == pytest.approx(2.0)
    assert prev["changes"]["listening"]["verdict"] is None
    assert prev["changes"]["feedback"]["items"]["fb-3"]["others"] == pytest.approx(-2.0)  # 2 -> 4 reversed
    assert prev["shared_raters"] == 1
    assert f"li-1: +2.00: {chg.NO_VERDICT}." in cli("summary", "Ana Ruiz").stdout


def test_only_items_worded_alike_on_the_same_scale_compare(tmp_path: Path) -> None:
    from leadcheck.instrument.catalog import load_instrument
    from leadcheck.instrument.model import Instrument

    text = TEAM.read_text(encoding="utf-8")

    def version(name: str, body: str) -> Instrument:
        path = tmp_path / f"{name}.yaml"
        path.write_text(body, encoding="utf-8")
        return load_instrument(path)

    team = load_instrument(TEAM)
    reversed_ = version("r", text.replace("        reverse: true\n", ""))  # fb-3 no longer reverse-scored
    selfword = version("s", text.replace("I seek feedback on my own work.", "I ask for feedback."))
    wider = version(
        "w",
        text.replace(
            "    - {value: 5, label: Always}\n",
            "    - {value: 5, label: Always}\n    - {value: 6, label: Constantly}\n",
        ),
    )
    assert chg.comparable_items(team, team) == frozenset(ITEMS)
    assert chg.comparable_items(team, reversed_) == frozenset(ITEMS) - {"fb-3"}
    assert chg.comparable_items(team, selfword) == frozenset(ITEMS) - {"fb-1"}
    assert chg.comparable_items(team, wider) == frozenset()


def test_the_cohort_summary_counts_plan_behaviours_a_second_round_improved(
    cli: Callable[..., Run], tmp_path: Path
) -> None:
    """The round after a plan measures it: its focus behaviours' verdicts, in the cohort's progress table."""
    import sqlite3

    assert cli("import", _csv(tmp_path / "r1.csv", ROUND_1), "--instrument", TEAM).exit_code == 0
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "leadcheck_plan: 1\nfocus:\n"
        "  - {item: li-1, action: Let people finish, tell: my team, by: 2099-01-01}\n"
        "  - {item: fb-2, action: Ask for feedback weekly, tell: my manager, by: 2099-01-01}\n",
        encoding="utf-8",
    )
    assert cli("plan", "Ana Ruiz", "--file", plan).exit_code == 0
    assert cli("assess", "Ana Ruiz", "--new", "-i", TEAM, input="q\n").exit_code == 0
    assert cli("import", _csv(tmp_path / "r2.csv", ROUND_2), "--instrument", TEAM).exit_code == 0
    with sqlite3.connect(tmp_path / "workspace.db") as conn:
        conn.execute("UPDATE leaders SET cohort = 'east'")
    out = tmp_path / "reports"
    assert cli("cohort", "report", "east", "-o", out, "-j", "1", "-q", "--anonymize").exit_code == 0
    text = " ".join(pdftotext(out / "cohort-summary.pdf").split())
    assert "Progress on development plans" in text
    # li-1 improved reliably, fb-2 did not (scipy's Welch test, as above): 1 of 2.
    assert (_expected("li-1"), _expected("fb-2")) == (chg.IMPROVEMENT, chg.NO_CHANGE)
    assert "Measured by" in text and "round 2 against" in text and "1 of 2 50%" in text
    assert "Ana Ruiz" not in text  # the program's view names no one
