"""The answering session as a state machine and the self summary (leadcheck.collect); progress counts (leadcheck.status)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadcheck.base.errors import InstrumentError, NotFoundError, UsageError
from leadcheck.base.responses import Response
from leadcheck.collect import (
    DimensionMean,
    Kind,
    LineAction,
    Session,
    answer_label,
    check_rater_group,
    key_from_line,
    line_action,
    next_steps,
    rating_assessment,
    scale_choices,
    self_summary,
)
from leadcheck.instrument.catalog import instrument_from_text
from leadcheck.instrument.model import Instrument, not_observed_label
from leadcheck.releases import published, released_from
from leadcheck.scoring import score
from leadcheck.status import (
    HIDDEN,
    NONE,
    POOLED,
    SHOWN,
    GroupProgress,
    group_progress,
    missing,
    unrated_items,
    visibility,
)
from leadcheck.store import Store

from .conftest import MINI_360

MINI = MINI_360.read_text(encoding="utf-8")

HINT = "press 1-5, n, b, s, q, or ? for help"


def mini(not_observed: bool = True) -> Instrument:
    text = MINI.replace("not_observed: true", f"not_observed: {str(not_observed).lower()}")
    return instrument_from_text(text, "mini.yaml")


def ids(session: Session) -> str | None:
    prompt = session.current()
    return prompt.item.id if prompt else None


# -- answering --------------------------------------------------------------------------


def test_a_new_session_starts_at_the_first_item() -> None:
    s = Session(mini(), "self")
    prompt = s.current()
    assert prompt is not None
    assert (prompt.item.id, prompt.text, prompt.dimension.name) == ("l-1", "I listen.", "Listening")
    assert (prompt.number, prompt.total, prompt.answered, prompt.has_answer) == (1, 4, 0, False)
    assert s.resumed_with == 0


def test_others_see_the_others_phrasing() -> None:
    prompt = Session(mini(), "peer").current()
    assert prompt is not None and prompt.text == "They listen."


def test_a_digit_answers_and_moves_on() -> None:
    s = Session(mini(), "self")
    outcome = s.answer("4")
    assert (outcome.kind, outcome.item_id, outcome.value) == (Kind.ANSWERED, "l-1", 4)
    assert s.answers == {"l-1": 4}
    assert ids(s) == "l-2"


def test_n_is_not_observed_when_the_scale_offers_it() -> None:
    s = Session(mini(), "self")
    outcome = s.answer("N")
    assert (outcome.kind, outcome.value) == (Kind.ANSWERED, None)
    assert s.answers == {"l-1": None}


def test_n_is_refused_when_the_scale_does_not_offer_it() -> None:
    s = Session(mini(not_observed=False), "self")
    outcome = s.answer("n")
    assert outcome.kind is Kind.INVALID
    assert outcome.message == (
        '"n" ("I can\'t judge this") is not offered here: press 1-5, b, s, q, or ? for help'
    )
    assert ids(s) == "l-1" and s.answers == {}


@pytest.mark.parametrize("key", ["7", "0", "x", "45", "-1", "?!"])
def test_invalid_keys_give_a_hint_and_stay(key: str) -> None:
    s = Session(mini(), "self")
    outcome = s.answer(key)
    assert outcome.kind is Kind.INVALID
    assert outcome.message == f"{key!r} is not an answer here: {HINT}"
    assert ids(s) == "l-1" and s.answers == {}


@pytest.mark.parametrize("key", ["", " ", "\n"])
def test_an_empty_key_is_ignored(key: str) -> None:
    s = Session(mini(), "self")
    assert s.answer(key).kind is Kind.IGNORED
    assert ids(s) == "l-1"


def test_quit_and_help_stay_on_the_item() -> None:
    s = Session(mini(), "self")
    assert s.answer("Q").kind is Kind.QUIT
    assert s.answer("?").kind is Kind.HELP
    assert ids(s) == "l-1"
    assert s.help_lines()[0] == "1  Never"
    assert any(line.startswith("n  I can't judge this") for line in s.help_lines())


def test_back_shows_the_previous_answer_and_an_answer_returns_to_where_you_were() -> None:
    s = Session(mini(), "self")
    for key in "432":
        s.answer(key)
    assert ids(s) == "f-1"
    assert s.answer("b").kind is Kind.BACK
    assert s.answer("b").kind is Kind.BACK
    prompt = s.current()
    assert prompt is not None
    assert (prompt.item.id, prompt.has_answer, prompt.answer) == ("l-2", True, 3)
    assert s.answer("5").kind is Kind.ANSWERED
    assert s.answers["l-2"] == 5
    assert ids(s) == "f-1"  # back where the rater left off, not at d-1


def test_back_on_the_first_item_is_refused() -> None:
    s = Session(mini(), "self")
    outcome = s.answer("b")
    assert outcome.kind is Kind.INVALID
    assert outcome.message == f"this is the first item: {HINT}"


def test_skip_leaves_an_item_unanswered_and_keeps_an_earlier_answer() -> None:
    s = Session(mini(), "self")
    s.answer("4")
    outcome = s.answer("s")
    assert (outcome.kind, outcome.item_id, outcome.kept) == (Kind.SKIPPED, "l-2", False)
    assert ids(s) == "d-1"
    s.answer("b")
    s.answer("b")
    outcome = s.answer("s")  # on l-1, answered: the answer stays
    assert (outcome.kind, outcome.value, outcome.kept) == (Kind.SKIPPED, 4, True)
    assert s.answers == {"l-1": 4}
    assert ids(s) == "d-1"  # l-2 was skipped in this session: not asked again


def test_the_session_finishes_after_the_last_item() -> None:
    s = Session(mini(), "self")
    for key in "4s2n":
        s.answer(key)
    assert s.finished and s.current() is None
    assert s.answers == {"l-1": 4, "d-1": 2, "f-1": None}
    with pytest.raises(RuntimeError):
        s.answer("4")


def test_resuming_starts_at_the_first_unanswered_item() -> None:
    s = Session(mini(), "self", {"l-1": 4, "d-1": None})
    assert ids(s) == "l-2" and s.resumed_with == 2
    s.answer("3")
    assert ids(s) == "f-1"  # d-1 is answered already


def test_resuming_a_complete_response_goes_straight_to_the_questions() -> None:
    s = Session(mini(), "self", {"l-1": 4, "l-2": 1, "d-1": None, "f-1": 5})
    assert s.finished
    assert [q.id for q in s.questions()] == ["keep"]


def test_answers_to_unknown_items_are_left_out() -> None:
    s = Session(mini(), "self", {"gone": 3})
    assert s.answers == {} and s.resumed_with == 0


def test_questions_follow_their_groups() -> None:
    assert [q.id for q in Session(mini(), "peer").questions()] == ["keep", "peer-only"]
    assert [q.id for q in Session(mini(), "manager").questions()] == ["keep"]


def test_a_scale_beyond_nine_takes_whole_numbers() -> None:
    points = "\n".join(f"    - {{value: {v}, label: P{v}}}" for v in range(11))
    text = MINI
    start, end = text.index("  points:\n") + len("  points:\n"), text.index("  not_observed")
    inst = instrument_from_text(text[:start] + points + "\n" + text[end:], "wide.yaml")
    s = Session(inst, "self")
    assert not s.single_key
    assert s.answer("10").value == 10
    assert s.answer("11").kind is Kind.INVALID


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["1", "3", "5", "n", "b", "s", "q", "?", "x", "9", ""]), max_size=40))
def test_no_key_sequence_breaks_the_session(keys: list[str]) -> None:
    s = Session(mini(), "self")
    for key in keys:
        if s.finished:
            break
        before = dict(s.answers)
        outcome = s.answer(key)
        assert 0 <= s.index <= s.total
        if outcome.kind is not Kind.ANSWERED:
            assert s.answers == before  # only an answer changes what is saved
    assert set(s.answers) <= set(mini().items)


# -- small helpers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "single", "key"),
    [("4\n", True, "4"), ("4", True, "4"), ("  n  \n", True, "n"), ("45\n", True, "4"), ("\n", True, "")],
)
def test_key_from_line(line: str, single: bool, key: str) -> None:
    assert key_from_line(line, single) == key


def test_key_from_line_takes_a_word_on_wide_scales() -> None:
    assert key_from_line(" 10 \n", single_key=False) == "10"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("q", LineAction.QUIT),
        (" q \n", LineAction.QUIT),
        ("", LineAction.KEEP),
        ("   ", LineAction.KEEP),
        ("b", LineAction.BACK),
        (" b ", LineAction.BACK),
        ("-", LineAction.CLEAR),
        ("quality", LineAction.ANSWER),
        ("q and a", LineAction.ANSWER),
        ("be bold", LineAction.ANSWER),
        ("- more listening", LineAction.ANSWER),
    ],
)
def test_one_letter_alone_at_an_open_question_is_a_key_never_an_answer(
    line: str, expected: LineAction
) -> None:
    assert line_action(line) is expected


def test_not_observed_is_worded_for_the_self() -> None:
    inst = mini()
    assert not_observed_label(inst.scale, "self") == "I can't judge this"
    assert not_observed_label(inst.scale, "peer") == "Not observed"
    assert scale_choices(inst.scale, "self").endswith("n I can't judge this")
    assert answer_label(inst.scale, None, "self") == "I can't judge this"
    assert "cannot judge this about yourself" in " ".join(Session(inst, "self").help_lines())
    assert "have not seen this behaviour" in " ".join(Session(inst, "peer").help_lines())


def test_an_instruments_own_not_observed_wording_is_kept_for_the_self() -> None:
    text = MINI_360.read_text(encoding="utf-8").replace(
        "  not_observed: true", "  not_observed: true\n  not_observed_label: Does not apply"
    )
    inst = instrument_from_text(text)
    assert not_observed_label(inst.scale, "self") == "Does not apply"


def test_review_walks_every_item_in_order_and_enter_keeps() -> None:
    inst = mini()
    answers = {"l-1": 4, "l-2": 2, "d-1": 5, "f-1": None}
    session = Session(inst, "self", answers)
    assert session.finished
    session.review()
    prompt = session.current()
    assert prompt is not None and prompt.item.id == "l-1" and prompt.has_answer and prompt.answer == 4
    kept = session.answer("")
    assert kept.kind is Kind.SKIPPED and kept.kept and kept.value == 4
    changed = session.answer("3")
    assert changed.kind is Kind.ANSWERED and changed.item_id == "l-2" and changed.value == 3
    assert session.answer("b").kind is Kind.BACK
    assert session.current().item.id == "l-2"  # type: ignore[union-attr]
    assert session.answer("s").kind is Kind.SKIPPED
    assert session.current().item.id == "d-1"  # type: ignore[union-attr]  # in order, not "next unanswered"
    session.answer("")
    session.answer("")
    assert session.finished
    assert session.answers == {"l-1": 4, "l-2": 3, "d-1": 5, "f-1": None}


def test_back_from_the_questions_returns_to_the_last_item() -> None:
    session = Session(mini(), "self", {"l-1": 4, "l-2": 2, "d-1": 5})
    assert session.current().item.id == "f-1"  # type: ignore[union-attr]
    session.answer("s")
    assert session.finished
    session.back_to_last_item()
    assert session.current().item.id == "f-1"  # type: ignore[union-attr]
    session.answer("4")
    assert session.finished


def test_next_steps_name_the_instruments_groups_and_exact_commands() -> None:
    steps = next_steps(mini(), "Ana Ruiz")
    commands = [s.command for s in steps]
    assert ("rate", "Ana Ruiz", "--as", "peer") in commands
    assert ("form", "Ana Ruiz", "--as", "peer", "-o", "ana-ruiz-peer.yaml") in commands
    assert ("import", "ana-ruiz-peer.yaml") in commands
    assert ("report", "Ana Ruiz", "-o", "ana-ruiz.pdf") in commands
    assert "(manager, peer)" in steps[0].what


def test_scale_choices_and_labels() -> None:
    inst = mini()
    assert scale_choices(inst.scale) == "1 Never  2 Rarely  3 Sometimes  4 Often  5 Always  n Not observed"
    assert scale_choices(mini(not_observed=False).scale).endswith("5 Always")
    assert answer_label(inst.scale, 4) == "4 Often"
    assert answer_label(inst.scale, None) == "Not observed"


# -- the self summary -------------------------------------------------------------------------


def test_self_summary_recodes_reverse_items_and_leaves_out_missing_answers() -> None:
    rows = self_summary(mini(), {"l-1": 4, "l-2": 1, "f-1": None})
    assert rows == [
        DimensionMean("listen", "Listening", "competency", 4.5, 2, 0, 0, 2, reversed=1),  # l-2: 1 counts as 5
        DimensionMean("decide", "Deciding", "competency", None, 0, 0, 1, 1),
        DimensionMean("fair", "Fairness", "value", None, 0, 1, 0, 1),
    ]


# -- progress per group ---------------------------------------------------------------------


def _resp(group: str, submitted: bool, answers: dict[str, int | None] | None = None) -> Response:
    return Response(
        group, answers or {"l-1": 3, "d-1": 4}, {}, "2024-01-01T00:00:00+00:00" if submitted else ""
    )


def test_group_progress_counts_submitted_and_in_progress() -> None:
    responses = [_resp("self", True), _resp("peer", True), _resp("manager", False)]
    progress = group_progress(mini(), responses)
    assert progress == [
        GroupProgress("self", "Self", 1, 1, 0),
        GroupProgress("manager", "Manager", 1, 0, 1),
        GroupProgress("peer", "Peers", 2, 1, 0),
    ]
    assert [g.raters for g in progress] == [1, 1, 1]
    assert [g.shown for g in progress] == [True, True, False]  # in progress counts, as in the report
    assert visibility(progress) == {"self": SHOWN, "manager": SHOWN, "peer": HIDDEN}
    assert missing(progress) == ["peer 1/2"]


def test_a_rater_counts_however_few_items_they_answered() -> None:
    """As in the report: a count that depended on the answers would say what a rater did."""
    responses = [_resp("peer", True, {"l-1": 3}), _resp("peer", True, {"l-1": 3, "l-2": None})]
    peer = group_progress(mini(), responses)[2]
    assert (peer.raters, peer.shown) == (2, True)


def test_small_groups_are_pooled_when_together_they_reach_the_strictest_threshold() -> None:
    def progress(peer: int, direct: int, other: int) -> list[GroupProgress]:
        return [
            GroupProgress("self", "Self", 1, 1, 0),
            GroupProgress("peer", "Peers", 3, peer, 0),
            GroupProgress("direct_report", "Direct reports", 3, direct, 0),
            GroupProgress("other", "Others", 4, other, 0),
        ]

    assert visibility(progress(2, 1, 0)) == {
        "self": SHOWN,
        "peer": POOLED,
        "direct_report": POOLED,
        "other": NONE,
    }
    assert visibility(progress(2, 1, 1))["other"] == POOLED  # 4 raters reach "other"'s threshold of 4
    assert visibility(progress(1, 1, 1))["peer"] == HIDDEN  # 3 raters do not
    assert visibility(progress(3, 1, 0))["direct_report"] == HIDDEN


def test_missing_names_the_self_assessment() -> None:
    assert missing(group_progress(mini(), [])) == ["self not done", "manager 0/1", "peer 0/2"]
    assert missing(group_progress(mini(), [_resp("self", False)]))[0] == "self in progress"


def test_unrated_items_are_counted_from_what_was_released_never_from_live_answers() -> None:
    """A rater's answers held back from the report must not show up here either."""
    responses = [
        _resp("self", True, {"l-1": 3, "d-1": None}),
        *(_resp("peer", False, {"f-1": 2}) for _ in range(3)),
    ]
    assert unrated_items(mini(), responses, None) == ["l-2", "d-1", "f-1"]
    released = released_from(published(score(mini(), responses, "Ana")))
    assert unrated_items(mini(), responses, released) == ["l-2", "d-1"]
    later = [*responses, _resp("peer", False, {"d-1": 4})]  # a late peer's rating of d-1 changes nothing
    assert unrated_items(mini(), later, released) == ["l-2", "d-1"]


# -- what a rater answers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("group", "message"),
    [
        ("peer", None),
        ("peers", None),  # a group's label (Peers), loosely, as everywhere a group is named
        ("Peer", None),
        ("staff", 'no rater group "staff" in mini; choose one of: manager, peer'),
        (
            "self",
            '"self" is not a group of raters: the leader answers it with '
            "`leadcheck assess 'Ana Ruiz'`; choose one of: manager, peer",
        ),
    ],
)
def test_check_rater_group(group: str, message: str | None) -> None:
    if message is None:
        assert check_rater_group(mini(), group, "Ana Ruiz") == "peer"
        return
    with pytest.raises(UsageError) as e:
        check_rater_group(mini(), group, "Ana Ruiz")
    assert str(e.value) == message


def test_check_rater_group_without_a_self_group() -> None:
    others_only = instrument_from_text(MINI.replace("  - {id: self, label: Self}\n", ""), "others.yaml")
    with pytest.raises(UsageError) as e:
        check_rater_group(others_only, "self", "Forum A")
    assert (
        str(e.value)
        == '"self" is not a group of raters, and mini has no self-assessment; choose one of: manager, peer'
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "w.db") as opened:
        yield opened


@pytest.fixture
def mini_file(tmp_path: Path) -> Path:
    path = tmp_path / "mini.yaml"
    path.write_text(MINI, encoding="utf-8")
    return path


def test_rating_a_new_leader_creates_the_leader_and_the_assessment(store: Store, mini_file: Path) -> None:
    assessment = rating_assessment(store, " Forum A ", "peer", str(mini_file), cohort="east")
    assert (assessment.leader.name, assessment.leader.cohort, assessment.instrument_id) == (
        "Forum A",
        "east",
        "mini",
    )
    # The same instrument again, by path or by its stored id: the same assessment.
    assert rating_assessment(store, "forum a", "manager", str(mini_file)) == assessment
    mini_file.unlink()
    assert rating_assessment(store, "Forum A", "manager", "mini") == assessment
    assert rating_assessment(store, "Forum A", "manager") == assessment


@pytest.mark.parametrize(
    ("group", "instrument", "error"),
    [
        ("self", "mini.yaml", UsageError),
        ("staff", "mini.yaml", UsageError),
        ("peer", "nope", InstrumentError),
    ],
)
def test_nothing_is_created_before_the_instrument_and_group_check_out(
    store: Store, mini_file: Path, group: str, instrument: str, error: type[Exception]
) -> None:
    ref = str(mini_file) if instrument == "mini.yaml" else instrument
    with pytest.raises(error):
        rating_assessment(store, "Forum A", group, ref)
    assert store.leaders.every() == []


def test_without_an_instrument_the_leader_must_have_an_assessment(store: Store) -> None:
    with pytest.raises(NotFoundError):
        rating_assessment(store, "Forum A", "peer")
    store.leaders.ensure("Forum A")
    with pytest.raises(NotFoundError) as e:
        rating_assessment(store, "Forum A", "peer")
    assert str(e.value) == (
        'leader "Forum A" has no assessment yet; to start one, name the instrument with --instrument ID|PATH'
    )


def test_a_cohort_is_set_once_and_never_moved(store: Store, mini_file: Path) -> None:
    store.leaders.ensure("Ana")
    rating_assessment(store, "Ana", "peer", str(mini_file), cohort="east")
    assert store.leaders.get("Ana").cohort == "east"
    with pytest.raises(UsageError) as e:
        rating_assessment(store, "Ana", "peer", cohort="west")
    assert str(e.value) == '"Ana" is in the cohort "east", not "west"; leave out --cohort'


def test_next_steps_name_the_instrument_when_it_is_not_the_leaders_newest() -> None:
    steps = next_steps(mini(), "Ana", not_current=True)
    commands = [s.command for s in steps]
    assert ("rate", "Ana", "--as", "peer", "-i", "mini") in commands
    assert ("summary", "Ana", "-i", "mini") in commands
    assert ("report", "Ana", "-i", "mini", "-o", "ana.pdf") in commands
    assert not any(c[0] == "status" for c in commands)  # status shows the newest assessment only
