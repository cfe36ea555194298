"""The SVG chart builders: well-formed, accessible, escaped, honest about missing values."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html import escape as html_escape
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadcheck.base.charts import (
    FONT_FAMILY,
    GRID,
    MUTED,
    NAVY,
    ORANGE,
    BarRow,
    Chart,
    Series,
    distribution_bar,
    group_bar_chart,
    heatmap,
    radar_chart,
    strip_chart,
)

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = ["<script>alert(1)</script>", "&", '"', "{{ 7*7 }}", "a & b < c > d 'e' \"f\""]
AXES = [
    "Becoming Self-Aware",
    "Leading Others",
    "Communicating with Clarity and Purpose",
    "Building Trust",
    "Delivering Results for the Public",
    "Innovation",
]
# Same estimate of glyph width as the layout code would be pointless; sans-serif averages
# about half an em, so this checks the layout leaves room for real text.
CHAR_EM = 0.55


# --------------------------------------------------------------------------- helpers


def parse(chart: Chart) -> ET.Element:
    # The SVG under test is our own output, and its well-formedness is what is being checked.
    return ET.fromstring(chart.svg)  # noqa: S314


def view_box(root: ET.Element) -> tuple[float, float]:
    x, y, w, h = (float(v) for v in root.attrib["viewBox"].split())
    assert (x, y) == (0, 0)
    return w, h


def drawn(root: ET.Element) -> Iterator[ET.Element]:
    """Every element outside <defs> (pattern tiles have their own coordinates)."""
    for child in root:
        if child.tag == SVG + "defs":
            continue
        yield child
        yield from drawn(child)


def texts(root: ET.Element) -> list[str]:
    return [el.text or "" for el in drawn(root) if el.tag == SVG + "text"]


def description(root: ET.Element) -> str:
    desc = root.find(SVG + "desc")
    assert desc is not None
    return desc.text or ""


def assert_inside_view_box(root: ET.Element) -> None:
    """Every coordinate, and every text's estimated box, lies inside the viewBox."""
    width, height = view_box(root)
    eps = 1e-6

    def within(value: float, limit: float, what: str) -> None:
        assert -eps <= value <= limit + eps, f"{what}={value} outside 0..{limit}"

    for el in drawn(root):
        a = {k: float(v) for k, v in el.attrib.items() if k in {"x", "y", "width", "height"}}
        for name in ("x", "x1", "x2", "cx"):
            if name in el.attrib:
                within(float(el.attrib[name]), width, name)
        for name in ("y", "y1", "y2", "cy"):
            if name in el.attrib:
                within(float(el.attrib[name]), height, name)
        if "points" in el.attrib:
            for pair in el.attrib["points"].split():
                px, py = (float(v) for v in pair.split(","))
                within(px, width, "points x")
                within(py, height, "points y")
        if el.tag == SVG + "rect":
            within(a["x"] + a["width"], width, "rect right")
            within(a["y"] + a["height"], height, "rect bottom")
        if el.tag == SVG + "circle":
            r = float(el.attrib["r"])
            within(float(el.attrib["cx"]) - r, width, "circle left")
            within(float(el.attrib["cx"]) + r, width, "circle right")
            within(float(el.attrib["cy"]) + r, height, "circle bottom")
        if el.tag == SVG + "text":
            w = len(el.text or "") * float(el.attrib["font-size"]) * CHAR_EM
            x = float(el.attrib["x"])
            left = {"start": x, "middle": x - w / 2, "end": x - w}[el.attrib.get("text-anchor", "start")]
            within(left, width, "text left")
            within(left + w, width, "text right")
            within(float(el.attrib["y"]) - float(el.attrib["font-size"]), height, "text top")


def sample_charts(label: str = "Peers") -> list[Chart]:
    """One of every chart, with ``label`` wherever a label goes."""
    return [
        radar_chart(
            [label, *AXES[1:]],
            [
                Series("Self", [4.2, 3.0, 4.5, None, 3.8, 2.1], "self"),
                Series(label, [3.6, 3.1, 3.9, 4.0, 3.2, 2.8], "others"),
                Series("Manager", [3.0, 2.0, 4.0, 4.0, 3.0, 3.0], "group"),
            ],
            1,
            5,
        ),
        radar_chart([label, "Leading Others"], [Series(label, [3.5, None], "others")], 1, 5, "120mm"),
        group_bar_chart(
            [
                BarRow("Self", 4.2, None, "self"),
                BarRow("Manager", 3.0, None, "group"),
                BarRow(label, 3.6, 4, "group"),
                BarRow("Direct reports", None, 2, "group"),
                BarRow("Others", 3.5, 9, "others"),
            ],
            1,
            5,
        ),
        distribution_bar([0, 1, 2, 4, 2], ["1", "2", label, "4", "5"]),
        distribution_bar([0, 0, 0], ["1", "2", label]),
        heatmap(
            ["Ada Lovelace", label, "Grace Hopper"],
            [label, *AXES[1:4]],
            [[4.2, 3.1, None, 1.0], [5.0, 2.2, 3.3, 4.4], [1.5, 2.5, 3.5, 4.5]],
            1,
            5,
            col_means=[3.6, 2.6, 3.4, None],
        ),
        strip_chart(
            [(label, [3.1, 3.4, 3.4, 4.9]), ("Leading Others", [1.0, 2.0]), ("Empty", [])],
            1,
            5,
            marker=[3.5, 1.5, None],
        ),
    ]


# --------------------------------------------------------------------------- every chart


@pytest.mark.parametrize("index", range(len(sample_charts())))
def test_every_chart_is_a_complete_accessible_svg(index: int) -> None:
    chart = sample_charts()[index]
    root = parse(chart)
    assert root.tag == SVG + "svg"
    assert root.attrib["role"] == "img"
    assert root.attrib["font-family"] == FONT_FAMILY
    assert re.fullmatch(r"[\d.]+mm", root.attrib["width"])
    assert re.fullmatch(r"[\d.]+mm", root.attrib["height"])
    title_id, desc_id = root.attrib["aria-labelledby"].split()
    title, desc = root.find(SVG + "title"), root.find(SVG + "desc")
    assert title is not None and desc is not None
    assert (title.attrib["id"], desc.attrib["id"]) == (title_id, desc_id)
    # The title is said as a sentence (a PDF figure's /Alt holds it): the chart's title and a full stop.
    assert title.text == chart.title.rstrip(".") + "."
    assert desc.text == chart.alt
    assert_inside_view_box(root)


def test_charts_hold_nothing_weasyprint_or_a_browser_would_fetch_or_run() -> None:
    for chart in sample_charts():
        for el in parse(chart).iter():
            assert el.tag.removeprefix(SVG) not in {"script", "style", "foreignObject", "image"}
            assert "style" not in el.attrib
            for value in el.attrib.values():
                assert not value.startswith(("http:", "https:", "javascript:", "data:"))
                assert not value.startswith("url(") or value.startswith("url(#")


def test_height_keeps_the_view_box_aspect_in_the_callers_unit() -> None:
    chart = group_bar_chart([BarRow("Self", 4.0, None, "self")], 1, 5, width="6.4in")
    root = parse(chart)
    width, height = view_box(root)
    assert root.attrib["width"] == "6.4in"
    assert root.attrib["height"] == f"{6.4 * height / width:.2f}".rstrip("0").rstrip(".") + "in"


@pytest.mark.parametrize("width", ["", "wide", "-3mm", "0mm", '160mm" onload="x'])
def test_a_width_that_is_not_a_css_length_is_refused(width: str) -> None:
    with pytest.raises(ValueError, match="width must be a positive CSS length"):
        group_bar_chart([BarRow("Self", 4.0, None, "self")], 1, 5, width=width)


def test_ids_differ_between_charts_on_one_page() -> None:
    ids = [parse(chart).attrib["aria-labelledby"] for chart in sample_charts()]
    assert len(set(ids)) == len(ids)


def test_a_chart_is_inlined_unescaped_by_an_autoescaping_jinja_template() -> None:
    import jinja2

    chart = sample_charts()[2]
    template = jinja2.Environment(autoescape=True).from_string("<div>{{ chart }}</div>")
    assert template.render(chart=chart) == f"<div>{chart.svg}</div>"


# --------------------------------------------------------------------------- escaping


@pytest.mark.parametrize("label", HOSTILE)
def test_hostile_labels_appear_literally_and_the_svg_still_parses(label: str) -> None:
    for chart in sample_charts(label):
        root = parse(chart)
        assert not any(el.tag.endswith("script") for el in root.iter())
        if chart.alt != "no ratings":  # the empty distribution names no labels
            assert label in chart.alt
            assert label in description(root)
        # Nothing unescaped: every & starts an entity, and < only opens our own tags.
        assert not re.search(r"&(?!amp;|lt;|gt;|quot;|apos;|#)", chart.svg)
        assert "<script" not in chart.svg
    # Where the label is drawn whole, it is drawn literally.
    drawn_texts = texts(parse(sample_charts(label)[5]))
    assert label.strip() in drawn_texts


def test_characters_xml_cannot_carry_are_replaced_not_fatal() -> None:
    chart = group_bar_chart([BarRow("bad\x00\x08\ufffe label", 3.0, None, "self")], 1, 5)
    assert "bad\ufffd\ufffd\ufffd label" in texts(parse(chart))


def test_jinja_braces_are_left_as_text() -> None:
    chart = group_bar_chart([BarRow("{{ 7*7 }}", 3.0, None, "group")], 1, 5)
    assert "{{ 7*7 }}" in texts(parse(chart))
    assert "49" not in chart.svg


# --------------------------------------------------------------------------- radar


def radar_series(n: int) -> list[Series]:
    return [
        Series("Self", [1 + (i % 5) for i in range(n)], "self"),
        Series("Others (n=9)", [round(1.3 + (i * 0.37) % 3.7, 2) for i in range(n)], "others"),
        Series("Peers (n=4)", [2.0 + (i % 3) * 0.5 for i in range(n)], "group"),
        Series("Direct reports (n=3)", [None if i % 4 == 0 else 3.2 for i in range(n)], "group"),
    ]


@pytest.mark.parametrize("n", [3, 6, 12])
def test_radar_with_3_6_and_12_axes(n: int) -> None:
    axes = [f"Competency {i} with quite a long name indeed" for i in range(1, n + 1)]
    chart = radar_chart(axes, radar_series(n), 1, 5)
    root = parse(chart)
    assert_inside_view_box(root)
    assert chart.alt.startswith(
        "Radar chart of ratings by Self, Others (n=9), Peers (n=4) and Direct reports (n=3) "
        "on a scale of 1 to 5. "
    )
    for axis in axes:
        assert f"{axis}: Self " in chart.alt
    # Axis labels wrap to at most 3 lines of about 16 characters.
    labels = [el.text or "" for el in drawn(root) if el.attrib.get("font-weight") == "bold"]
    assert all(len(line) <= 20 for line in labels)
    assert len(labels) <= 3 * n
    # Rings at every scale point, each labelled with its value.
    rings = [el for el in drawn(root) if el.attrib.get("stroke") in {GRID, MUTED}]
    assert len([el for el in rings if el.tag == SVG + "polygon"]) == 5
    assert {"1", "2", "3", "4", "5"} <= set(texts(root))
    # A legend entry per series.
    for series in radar_series(n):
        assert series.label in texts(root)


def test_radar_axis_labels_sit_outside_the_outer_ring() -> None:
    chart = radar_chart(AXES, radar_series(6), 1, 5)
    root = parse(chart)
    # The spokes run from the centre to the outer ring.
    spokes = [el for el in drawn(root) if el.tag == SVG + "line" and el.attrib["stroke"] == GRID]
    assert len(spokes) == len(AXES)
    centre_x, centre_y = float(spokes[0].attrib["x1"]), float(spokes[0].attrib["y1"])
    radius = max(
        ((float(el.attrib["x2"]) - centre_x) ** 2 + (float(el.attrib["y2"]) - centre_y) ** 2) ** 0.5
        for el in spokes
    )
    for el in drawn(root):
        if el.attrib.get("font-weight") != "bold":
            continue
        # The corner of the label nearest the centre is still outside the ring.
        size = float(el.attrib["font-size"])
        w = len(el.text or "") * size * CHAR_EM
        x, y = float(el.attrib["x"]), float(el.attrib["y"])
        left = {"start": x, "middle": x - w / 2, "end": x - w}[el.attrib.get("text-anchor", "start")]
        nearest_x = min(max(centre_x, left), left + w)
        nearest_y = min(max(centre_y, y - size * 0.75), y)
        assert ((nearest_x - centre_x) ** 2 + (nearest_y - centre_y) ** 2) ** 0.5 > radius


def test_radar_draws_a_missing_value_as_a_gap_not_as_the_minimum() -> None:
    values = [4.0, 3.0, None, 2.0, 5.0, 1.0]
    chart = radar_chart(AXES, [Series("Self", values, "self")], 1, 5)
    root = parse(chart)
    assert "Communicating with Clarity and Purpose: Self not shown" in chart.alt
    lines = [el for el in drawn(root) if el.attrib.get("stroke") == ORANGE]
    shapes = [el for el in lines if el.tag in {SVG + "polygon", SVG + "polyline"}]
    assert [el.tag for el in shapes] == [SVG + "polyline"]
    # The line runs from the axis after the gap round to the one before it: 5 points, not 6.
    assert len(shapes[0].attrib["points"].split()) == 5
    markers = [el for el in drawn(root) if el.tag == SVG + "rect" and el.attrib["fill"] == ORANGE]
    assert len(markers) == 5 + 1  # five values and the legend


def test_radar_tells_series_apart_without_colour() -> None:
    chart = radar_chart(AXES, radar_series(6), 1, 5)
    root = parse(chart)
    series_lines = [el for el in drawn(root) if el.tag in {SVG + "polygon", SVG + "polyline", SVG + "line"}]
    dashes = {el.attrib.get("stroke-dasharray") for el in series_lines if el.attrib.get("stroke")}
    # self solid, others and two groups each with their own dash
    assert len(dashes - {None}) >= 3
    marker_kinds = {
        (el.tag, el.attrib.get("fill"))
        for el in drawn(root)
        if el.tag in {SVG + "rect", SVG + "circle", SVG + "polygon"}
        and el.attrib.get("fill") not in {"none", None}
    }
    assert (SVG + "rect", ORANGE) in marker_kinds  # self: squares
    assert (SVG + "circle", NAVY) in marker_kinds  # others: circles


@pytest.mark.parametrize("n", [1, 2])
def test_radar_with_fewer_than_3_axes_falls_back_to_bars(n: int) -> None:
    axes = AXES[:n]
    series = [Series("Self", [4.2, None][:n], "self"), Series("Others", [3.6, 3.1][:n], "others")]
    chart = radar_chart(axes, series, 1, 5)
    root = parse(chart)
    assert chart.alt.startswith("Bar chart of ratings by Self and Others on a scale of 1 to 5. ")
    assert "Becoming Self-Aware: Self 4.2, Others 3.6" in chart.alt
    assert not any(el.tag == SVG + "polygon" for el in drawn(root))
    assert set(axes) <= set(texts(root))
    assert_inside_view_box(root)


@pytest.mark.parametrize(
    ("axes", "series", "message"),
    [
        ([], [Series("Self", [], "self")], "needs 1 to 12 axes, got 0"),
        ([f"A{i}" for i in range(13)], [Series("S", [3.0] * 13, "self")], "got 13"),
        (AXES, [], "at least one series"),
        (AXES, [Series("Self", [3.0], "self")], "has 1 values for 6 axes"),
        (AXES, [Series("Self", [3.0] * 5 + [5.5], "self")], "from 1 to 5, got 5.5"),
        (AXES, [Series("Self", [3.0] * 5 + [float("nan")], "self")], "got nan"),
        (AXES, [Series("Self", [3.0] * 6, "boss")], "style must be one of"),  # type: ignore[arg-type]
    ],
)
def test_radar_refuses_bad_input(axes: list[str], series: list[Series], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        radar_chart(axes, series, 1, 5)


def test_a_scale_must_run_upwards() -> None:
    with pytest.raises(ValueError, match=r"scale_min \(5\) must be below scale_max \(5\)"):
        group_bar_chart([BarRow("Self", 5.0)], 5, 5)


# --------------------------------------------------------------------------- group bars


def bars_of(root: ET.Element) -> list[ET.Element]:
    return [el for el in drawn(root) if el.tag == SVG + "rect"]


def test_group_bars_print_every_value_and_n() -> None:
    chart = sample_charts()[2]
    root = parse(chart)
    assert chart.alt == (
        "Bar chart of ratings by rater group on a scale of 1 to 5. Self: 4.2; Manager: 3.0; "
        "Peers (n=4): 3.6; Direct reports (n=2): not shown; Others (n=9): 3.5."
    )
    shown = texts(root)
    for value in ["4.2", "3.0", "3.6", "3.5", "not shown", "Peers (n=4)", "Others (n=9)"]:
        assert value in shown
    assert {"1", "2", "3", "4", "5"} <= set(shown)  # tick labels at each scale point


def test_a_missing_group_value_draws_no_bar() -> None:
    chart = group_bar_chart([BarRow("Self", 4.2, None, "self"), BarRow("Peers", None, 2, "group")], 1, 5)
    root = parse(chart)
    assert len(bars_of(root)) == 1
    assert "Peers (n=2): not shown" in chart.alt
    assert "not shown" in texts(root)


def test_bars_are_told_apart_by_fill_pattern_not_only_colour() -> None:
    root = parse(sample_charts()[2])
    fills = [el.attrib["fill"] for el in bars_of(root)]
    assert fills[0] == ORANGE and fills[3] == NAVY
    assert fills[1].startswith("url(#") and fills[2].startswith("url(#")
    assert fills[1] != fills[2]  # two rater groups, two hatchings
    pattern_ids = {el.attrib["id"] for el in root.iter(SVG + "pattern")}
    assert {f[5:-1] for f in fills[1:3]} <= pattern_ids


def test_a_long_group_label_keeps_its_n() -> None:
    label = "Colleagues from other departments and agencies across government"
    root = parse(group_bar_chart([BarRow(label, 3.0, 12, "group")], 1, 5))
    assert any(line.endswith("(n=12)") for line in texts(root))
    assert_inside_view_box(root)


# --------------------------------------------------------------------------- distribution


def test_distribution_lists_every_count_and_prints_wide_ones() -> None:
    labels = ["Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"]
    chart = distribution_bar([0, 1, 2, 4, 2], labels)
    root = parse(chart)
    assert chart.alt == (
        "Distribution of 9 ratings: Strongly disagree 0, Disagree 1, Neutral 2, Agree 4, Strongly agree 2."
    )
    segments = [el for el in bars_of(root) if el.attrib["fill"] != "none"]
    assert len(segments) == 4  # the zero count draws nothing
    widths = [float(el.attrib["width"]) for el in segments]
    assert [w / widths[0] for w in widths] == pytest.approx([1, 2, 4, 2], abs=0.01)
    assert "4" in texts(root)


def test_distribution_is_darker_for_higher_points() -> None:
    root = parse(distribution_bar([1, 1, 1, 1, 1], list("12345")))
    fills = [el.attrib["fill"] for el in bars_of(root) if el.attrib["fill"] != "none"]

    def lightness(colour: str) -> int:
        return sum(int(colour[i : i + 2], 16) for i in (1, 3, 5))

    assert [lightness(f) for f in fills] == sorted((lightness(f) for f in fills), reverse=True)
    # white text on the dark end, dark text on the light end
    numbers = [el for el in drawn(root) if el.tag == SVG + "text"]
    assert numbers[0].attrib.get("fill") is None and numbers[-1].attrib["fill"] == "#ffffff"


def test_distribution_with_no_ratings_is_an_empty_outline() -> None:
    chart = distribution_bar([0, 0, 0, 0, 0], list("12345"))
    root = parse(chart)
    assert chart.alt == "no ratings"
    assert [el.attrib["fill"] for el in bars_of(root)] == ["none"]
    assert texts(root) == []


def test_distribution_refuses_mismatched_or_negative_counts() -> None:
    with pytest.raises(ValueError, match="got 2 counts for 3 labels"):
        distribution_bar([1, 2], list("123"))
    with pytest.raises(ValueError, match="count for '2' must be a whole number >= 0, got -1"):
        distribution_bar([1, -1], list("12"))


# --------------------------------------------------------------------------- heatmap


def test_heatmap_prints_every_cell_and_the_cohort_mean() -> None:
    chart = sample_charts()[5]
    root = parse(chart)
    assert chart.alt.startswith(
        "Heatmap of mean ratings for 3 leaders across 4 competencies on a scale of 1 to 5. "
        "Ada Lovelace: Peers 4.2, Leading Others 3.1, "
        "Communicating with Clarity and Purpose not shown, Building Trust 1.0; "
    )
    assert chart.alt.endswith(
        "Cohort mean: Peers 3.6, Leading Others 2.6, "
        "Communicating with Clarity and Purpose 3.4, Building Trust not shown."
    )
    shown = texts(root)
    for value in ["4.2", "3.1", "1.0", "5.0", "2.2", "3.3", "4.4", "3.6", "2.6", "3.4"]:
        assert value in shown
    assert "Cohort mean" in shown
    # 12 cells and 4 means, of which 2 are missing: 14 values printed
    assert len([t for t in shown if re.fullmatch(r"\d\.\d", t)]) == 14


def test_heatmap_uses_white_text_on_dark_cells() -> None:
    root = parse(heatmap(["A"], ["Low", "High"], [[1.0, 5.0]], 1, 5))
    ink = {el.text: el.attrib.get("fill") for el in drawn(root) if el.tag == SVG + "text"}
    assert ink["1.0"] is None  # default dark ink
    assert ink["5.0"] == "#ffffff"


def test_heatmap_with_300_rows_grows_downwards() -> None:
    rows = [f"Leader {i:03d}" for i in range(300)]
    values = [[1 + ((i * 7 + j * 3) % 41) / 10 for j in range(12)] for i in range(300)]
    cols = [f"Competency {j}" for j in range(12)]
    chart = heatmap(rows, cols, values, 1, 5, col_means=[3.0] * 12)
    root = parse(chart)
    small = parse(heatmap(rows[:1], cols, values[:1], 1, 5))
    assert view_box(root)[1] - view_box(small)[1] >= 299 * 18
    assert "Leader 299" in texts(root)
    assert chart.alt.startswith("Heatmap of mean ratings for 300 leaders across 12 competencies")
    assert_inside_view_box(root)


def test_heatmap_refuses_ragged_rows() -> None:
    with pytest.raises(ValueError, match="row 'B' has 1 values for 2 columns"):
        heatmap(["A", "B"], ["x", "y"], [[1.0, 2.0], [3.0]], 1, 5)


# --------------------------------------------------------------------------- strip chart


def test_strip_chart_lists_every_leader_and_marks_the_cohort_mean() -> None:
    chart = sample_charts()[6]
    root = parse(chart)
    assert chart.alt == (
        "Strip chart of leaders' mean ratings per competency on a scale of 1 to 5, "
        "with the cohort mean marked. Peers: 4 leaders, 3.1, 3.4, 3.4, 4.9 (cohort mean 3.5); "
        "Leading Others: 2 leaders, 1.0, 2.0 (cohort mean 1.5); "
        "Empty: leaders not shown (cohort mean not shown)."
    )
    dots = [el for el in drawn(root) if el.tag == SVG + "circle"]
    assert len(dots) == 6 + 1  # six leaders and the legend
    ticks = [el for el in drawn(root) if el.tag == SVG + "line" and el.attrib["stroke"] == ORANGE]
    assert len(ticks) == 2 + 1  # two means and the legend
    assert "not shown" in texts(root)


def test_strip_chart_keeps_equal_values_visible() -> None:
    root = parse(strip_chart([("A", [3.0, 3.0, 3.0])], 1, 5))
    centres = {(el.attrib["cx"], el.attrib["cy"]) for el in drawn(root) if el.tag == SVG + "circle"}
    assert len(centres) == 3 + 1


# --------------------------------------------------------------------------- properties


@st.composite
def scales(draw: st.DrawFn) -> tuple[int, int]:
    low = draw(st.integers(-3, 3))
    return low, low + draw(st.integers(1, 12))


def values_in(low: int, high: int) -> st.SearchStrategy[float]:
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


def maybe(strategy: st.SearchStrategy[float]) -> st.SearchStrategy[float | None]:
    return st.one_of(st.none(), strategy)


labels = st.text(max_size=60)
styles = st.sampled_from(["self", "others", "group"])


@st.composite
def any_chart(draw: st.DrawFn) -> Chart:
    low, high = draw(scales())
    value = values_in(low, high)
    kind = draw(st.sampled_from(["radar", "bars", "distribution", "heatmap", "strip"]))
    if kind == "radar":
        n = draw(st.integers(1, 12))
        axes = draw(st.lists(labels, min_size=n, max_size=n))
        series = draw(
            st.lists(
                st.builds(Series, labels, st.lists(maybe(value), min_size=n, max_size=n), styles),
                min_size=1,
                max_size=5,
            )
        )
        return radar_chart(axes, series, low, high)
    if kind == "bars":
        rows = st.builds(BarRow, labels, maybe(value), st.none() | st.integers(0, 999), styles)
        return group_bar_chart(draw(st.lists(rows, min_size=1, max_size=10)), low, high)
    if kind == "distribution":
        counts = draw(st.lists(st.integers(0, 500), min_size=1, max_size=11))
        names = draw(st.lists(labels, min_size=len(counts), max_size=len(counts)))
        return distribution_bar(counts, names)
    if kind == "heatmap":
        rows_n, cols_n = draw(st.integers(1, 8)), draw(st.integers(1, 16))
        cells = st.lists(maybe(value), min_size=cols_n, max_size=cols_n)
        return heatmap(
            draw(st.lists(labels, min_size=rows_n, max_size=rows_n)),
            draw(st.lists(labels, min_size=cols_n, max_size=cols_n)),
            draw(st.lists(cells, min_size=rows_n, max_size=rows_n)),
            low,
            high,
            col_means=draw(st.none() | st.lists(maybe(value), min_size=cols_n, max_size=cols_n)),
        )
    strip_rows = draw(st.lists(st.tuples(labels, st.lists(value, max_size=30)), min_size=1, max_size=8))
    marker = draw(st.none() | st.lists(maybe(value), min_size=len(strip_rows)))
    if marker is not None:
        marker = marker[: len(strip_rows)] + [None] * (len(strip_rows) - len(marker))
    return strip_chart(strip_rows, low, high, marker)


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(any_chart())
def test_any_finite_values_in_range_give_well_formed_svg_inside_its_view_box(
    chart: Chart,
) -> None:
    assert_inside_view_box(parse(chart))


# --------------------------------------------------------------------------- WeasyPrint


def test_weasyprint_renders_a_page_of_every_chart(tmp_path: Path) -> None:
    import weasyprint

    from .conftest import pdftotext

    charts = sample_charts("Peers & <Partners>")
    body = "".join(
        f"<figure><figcaption>{html_escape(c.title)}</figcaption>{c.svg}"
        f"<p class='alt'>{html_escape(c.alt)}</p></figure>"
        for c in charts
    )
    html = f"<html><head><style>@page {{ size: A4; margin: 12mm }}</style></head><body>{body}"
    html += "</body></html>"
    pdf = tmp_path / "charts.pdf"
    weasyprint.HTML(string=html).write_pdf(pdf)
    text = pdftotext(pdf)
    assert "Peers & <Partners>" in text  # escaped in the SVG, drawn literally
    assert "Building Trust" in text
    assert "not shown" in text
