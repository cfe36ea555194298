"""The development report: HTML safety, locked-down fetching, and real PDFs parsed back."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pypdf
import pytest

from leadcheck.base.atomic import write_atomic
from leadcheck.base.errors import ReportError
from leadcheck.base.responses import IncomingResponse, Response
from leadcheck.demo import demo_leaders, demo_responses
from leadcheck.importing.policy import add_responses
from leadcheck.instrument.catalog import load_instrument
from leadcheck.instrument.model import Instrument
from leadcheck.pdf.render import locked_fetcher
from leadcheck.report.bundle import BUNDLE_ROOT, load_bundle
from leadcheck.report.render import render, view_for, view_html
from leadcheck.scoring import Scorecard, score
from leadcheck.store import Store

from .conftest import pdftotext

HOSTILE_NAME = '<img src="file:///etc/passwd"> {{ 7*7 }} Zoë'
HOSTILE_COMMENT = "<script>alert(1)</script> {{ 7*7 }} {% raw %} & <b>bold</b>"
DAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def psl() -> Instrument:
    return load_instrument("psl-360")


def full_card(psl: Instrument, name: str = "Ana Ruiz", seed: int = 3) -> Scorecard:
    leader = demo_leaders(1, seed)[0]
    incoming = demo_responses(psl, [leader], seed)
    responses = [Response(r.group, r.answers, r.comments) for r in incoming]
    return score(psl, responses, name)


@pytest.fixture(scope="module")
def card(psl: Instrument) -> Scorecard:
    return full_card(psl)


@pytest.fixture(scope="module")
def pdf_bytes(card: Scorecard) -> bytes:
    return render(card, "pdf", generated=DAY)


@pytest.fixture(scope="module")
def pdf(pdf_bytes: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(pdf_bytes))


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


# -- HTML -----------------------------------------------------------------------------------


def test_untrusted_text_is_escaped_never_interpreted(psl: Instrument) -> None:
    responses = [
        Response("self", dict.fromkeys(psl.items, 3), {"keep": HOSTILE_COMMENT}),
        *[Response("peer", dict.fromkeys(psl.items, 4), {"keep": HOSTILE_COMMENT}) for _ in range(3)],
    ]
    html = view_html(view_for(score(psl, responses, HOSTILE_NAME), generated=DAY))
    assert "<img src" not in html
    assert "<script>" not in html
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt; {{ 7*7 }} Zoë" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; {{ 7*7 }} {% raw %} &amp; &lt;b&gt;bold&lt;/b&gt;" in html
    assert "49" not in re.sub(r"<svg.*?</svg>", "", html, flags=re.S).replace("4.9", "")


def test_every_section_is_there(card: Scorecard) -> None:
    html = view_html(view_for(card, generated=DAY))
    for heading in (
        "How to read this report",
        "At a glance",
        "Becoming Self-Aware",
        "Commitment to Public Good",
        "Blind spots and strengths",
        "Comments",
        "Development plan",
        "Worksheet",
        "Appendix: how the scores were computed",
    ):
        assert heading in html
    assert html.count("<svg") >= 1 + len(card.dimensions)
    assert 'role="img"' in html


def test_comments_are_shuffled_and_unattributed(card: Scorecard) -> None:
    html = view_html(view_for(card, generated=DAY))
    comments_part = html[html.index('id="comments"') : html.index('id="development-plan"')]
    for g in ("Peers", "Direct reports", "Manager"):
        assert g not in comments_part


# -- PDF -----------------------------------------------------------------------------------------


def test_pdf_text_carries_the_scoring_numbers(
    card: Scorecard, pdf_bytes: bytes, pdf: pypdf.PdfReader
) -> None:
    text = squash(pdftotext(pdf_bytes))
    assert "Ana Ruiz" in text
    assert len(pdf.pages) >= 8
    for dim in card.dimensions:
        assert dim.others.mean is not None and dim.self is not None
        assert f"{dim.others.mean:.2f}" in text
        assert f"{dim.self:.2f}" in text
        for item in dim.items:
            if item.others.mean is not None:
                assert f"{item.others.mean:.2f}" in text
    assert f"Page 1 of {len(pdf.pages)}" in text


def test_pdf_bookmarks_metadata_and_tags(card: Scorecard, pdf: pypdf.PdfReader) -> None:
    titles = [o.title for o in pdf.outline if not isinstance(o, list)]
    for expected in ("Cover", "How to read this report", "At a glance", "Comments", "Development plan"):
        assert any(expected in t for t in titles), titles
    for dim in card.dimensions:
        assert any(dim.dimension.name in t for t in titles)
    meta = pdf.metadata
    assert meta is not None
    assert meta.title == "360 development report: Ana Ruiz"
    assert meta.author == "leadcheck"
    root = pdf.trailer["/Root"]
    assert root["/Lang"] == "en"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    elements = structure_elements(pdf)
    assert {"/Table", "/TH", "/TD", "/Figure", "/H1"} <= {e["/S"] for e in elements}


def structure_elements(reader: pypdf.PdfReader) -> list[pypdf.generic.DictionaryObject]:
    """Every element of the PDF's structure tree (the tags a screen reader follows), in order."""
    out: list[pypdf.generic.DictionaryObject] = []
    todo = [reader.trailer["/Root"]["/StructTreeRoot"]]
    while todo:
        node = todo.pop()
        if isinstance(node, pypdf.generic.IndirectObject):
            node = node.get_object()
        if isinstance(node, pypdf.generic.ArrayObject):
            todo.extend(reversed(node))
        elif isinstance(node, pypdf.generic.DictionaryObject):
            if "/S" in node:
                out.append(node)
            if "/K" in node:
                todo.append(node["/K"])
    return out


def test_figures_have_text_alternatives(pdf: pypdf.PdfReader) -> None:
    figures = [e for e in structure_elements(pdf) if e["/S"] == "/Figure"]
    assert figures, "no Figure elements in the structure tree"
    assert all(f.get("/Alt") for f in figures), "a figure without /Alt text"


# -- edge cases ---------------------------------------------------------------------------------


def _pdf(card: Scorecard) -> str:
    return squash(pdftotext(render(card, "pdf", generated=DAY)))


def test_only_a_self_assessment(psl: Instrument) -> None:
    card = score(psl, [Response("self", dict.fromkeys(psl.items, 4))], "Solo Leader")
    text = _pdf(card)
    assert "Solo Leader" in text
    assert "This report holds only your own ratings" in text
    assert "No self-assessment yet" not in text


def test_hidden_group_items_nobody_observed_long_and_non_latin_text(psl: Instrument) -> None:
    answers = dict.fromkeys(psl.items, 4)
    unseen = [i.id for i in psl.dimension("leading-change").items]
    for item_id in unseen:
        answers[item_id] = None
    long_comment = "This is a very long comment. " * 120
    name = "Nguyễn Thị Lan 王芳 " + "Verylongsurnamewithoutanyspaces" * 3
    responses = [
        Response("self", dict.fromkeys(psl.items, 5), {"keep": "Mon propre avis, déjà noté."}),
        Response("manager", answers, {"keep": long_comment}),
        *[
            Response("direct_report", answers, {"start": f"Comment {i} — café, naïve, 東京"})
            for i in range(3)
        ],
        Response("peer", dict.fromkeys(psl.items, 1), {"stop": "lone peer"}),
    ]
    card = score(psl, responses, name)
    text = _pdf(card)
    assert "Nguyễn Thị Lan" in text
    assert "fewer than 3: not shown, to protect anonymity" in text
    assert "Peers: fewer than 3 responded; a small group is combined only with other groups" in text
    assert "to reach the threshold together; left out of every figure." in text
    assert "Mon propre avis, déjà noté." in text
    assert "very long comment" in text
    assert "café, naïve" in text


# -- safety ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file:///etc/hostname",
        "http://127.0.0.1:9/logo.png",
        "https://example.org/x.css",
        "data:text/css,body{color:red}",
        "ftp://example.org/x.png",
        BUNDLE_ROOT + "report.html.j2",
        BUNDLE_ROOT + "../../etc/passwd",
        BUNDLE_ROOT + "missing.png",
    ],
)
def test_fetcher_refuses_everything_outside_the_bundle(url: str) -> None:
    fetcher = locked_fetcher(load_bundle().files)
    with pytest.raises(ValueError, match="refused"):
        fetcher.fetch(url)


def test_fetcher_serves_bundled_assets_and_ignores_escaping_links(tmp_path: Path) -> None:
    custom = tmp_path / "custom"
    custom.mkdir()
    (custom / "logo.png").write_bytes(b"\x89PNG fake")
    (tmp_path / "secret.png").write_bytes(b"secret")
    (custom / "link.png").symlink_to(tmp_path / "secret.png")
    bundle = load_bundle(custom)
    assert "link.png" not in bundle.files
    fetcher = locked_fetcher(bundle.files)
    assert fetcher.fetch(BUNDLE_ROOT + "logo.png").read() == b"\x89PNG fake"
    with pytest.raises(ValueError, match="refused"):
        fetcher.fetch(BUNDLE_ROOT + "link.png")


def test_a_custom_template_cannot_pull_in_outside_files(card: Scorecard, tmp_path: Path) -> None:
    custom = tmp_path / "tpl"
    custom.mkdir()
    (custom / "report.html.j2").write_text(
        '{% extends "base.html.j2" %}{% block extra_sections %}<section id="x"><h1>Extra</h1>'
        '<img src="file:///etc/hostname" alt="x"><img src="data:image/png;base64,iVBORw0KGgo=" alt="y">'
        "</section>{% endblock %}"
    )
    data = render(card, "pdf", template_dir=custom, generated=DAY)
    reader = pypdf.PdfReader(io.BytesIO(data))
    for page in reader.pages:
        resources = page.get("/Resources") or {}
        xobjects = resources.get("/XObject") or {}
        for x in xobjects.values():
            assert x.get_object().get("/Subtype") != "/Image"


def test_custom_stylesheet_and_section(card: Scorecard, tmp_path: Path) -> None:
    custom = tmp_path / "tpl"
    custom.mkdir()
    (custom / "report.css").write_text("html { color: #123456; }")
    (custom / "report.html.j2").write_text(
        '{% extends "base.html.j2" %}{% block extra_sections %}'
        "<section><h1>Coach notes for {{ r.leader }}</h1></section>{% endblock %}"
    )
    html = render(card, "html", template_dir=custom, generated=DAY).decode()
    assert "color: #123456" in html
    assert "Coach notes for Ana Ruiz" in html
    assert "At a glance" in html  # the other sections still come from the defaults


def test_a_broken_template_is_a_clear_error(card: Scorecard, tmp_path: Path) -> None:
    custom = tmp_path / "tpl"
    custom.mkdir()
    (custom / "cover.html.j2").write_text("{% if %}")
    with pytest.raises(ReportError, match=r"cover.html.j2:1: template error"):
        render(card, "html", template_dir=custom)


def test_atomic_write_leaves_no_half_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.pdf"

    def boom(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(Path, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, b"%PDF-1.7 ...")
    assert list(tmp_path.iterdir()) == []


# -- the command ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory, psl: Instrument) -> tuple[Path, str]:
    db = tmp_path_factory.mktemp("ws") / "w.db"
    with Store.open(db) as store:
        add_responses(store, demo_responses(psl, demo_leaders(2, 5), 5), psl)
        return db, store.leaders.every()[0].name


def test_report_command_writes_html(
    cli: Callable[..., object], demo_db: tuple[Path, str], tmp_path: Path
) -> None:
    db, name = demo_db
    run = cli("--db", db, "report", name, "-o", tmp_path / "r.html")
    assert run.exit_code == 0, run.stderr  # type: ignore[attr-defined]
    assert (tmp_path / "r.html").read_text().startswith("<!DOCTYPE html>")
    assert f"Wrote {tmp_path / 'r.html'}" in run.stderr  # type: ignore[attr-defined]
    # The commands a leader's pages no longer carry are in the coach's own output.
    assert f'leadcheck assess --new "{name}"' in run.stderr  # type: ignore[attr-defined]
    assert "leadcheck assess" not in (tmp_path / "r.html").read_text()


def test_report_command_unknown_leader_writes_nothing(
    cli: Callable[..., object], demo_db: tuple[Path, str], tmp_path: Path
) -> None:
    db, _ = demo_db
    run = cli("--db", db, "report", "Nobody", "-o", tmp_path / "r.pdf")
    assert run.exit_code == 1  # type: ignore[attr-defined]
    assert run.stderr.startswith('error: no leader "Nobody"')  # type: ignore[attr-defined]
    assert not (tmp_path / "r.pdf").exists()


def test_report_command_missing_template_dir(
    cli: Callable[..., object], demo_db: tuple[Path, str], tmp_path: Path
) -> None:
    db, name = demo_db
    run = cli("--db", db, "report", name, "-o", tmp_path / "r.pdf", "--template-dir", tmp_path / "nope")
    assert run.exit_code == 2  # type: ignore[attr-defined]


def test_import_store_report_roundtrip_numbers(psl: Instrument, tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    with Store.open(db) as store:
        add_responses(
            store,
            [
                IncomingResponse("Bo", "self", dict.fromkeys(psl.items, 2), {}, "t"),
                IncomingResponse("Bo", "manager", dict.fromkeys(psl.items, 5), {}, "t", "m"),
            ],
            psl,
        )
        from leadcheck.scorecards import scored_leader

        card = scored_leader(store, "Bo").card
    html = render(card, "html", generated=DAY).decode()
    # Reverse-scored items turn 5 into 1 and 2 into 4: nine items at 5, one at 1.
    assert "4.60" in html
    assert "2.20" in html


def test_html_output_inlines_bundled_assets(card: Scorecard, tmp_path: Path) -> None:
    custom = tmp_path / "tpl"
    custom.mkdir()
    (custom / "logo.png").write_bytes(b"\x89PNG logo")
    (custom / "report.html.j2").write_text(
        '{% extends "base.html.j2" %}{% block cover %}<img src="logo.png" alt="Logo">'
        '<img src="https://example.org/x.png" alt="x">{{ super() }}{% endblock %}'
    )
    html = render(card, "html", template_dir=custom, generated=DAY).decode()
    assert '<img src="data:image/png;base64,iVBORyBsb2dv" alt="Logo">' in html
    # Not ours: a remote reference, removed from the file (leadcheck.report.htmlsafe).
    assert '<img alt="x">' in html
    assert "example.org" not in html


def test_appendix_says_where_a_shown_group_was_left_out(psl: Instrument) -> None:
    answers = dict.fromkeys(psl.items, 4)
    partial = {**answers, "sa-1": None}
    responses = [
        Response("manager", answers),
        Response("peer", answers),
        Response("peer", answers),
        Response("peer", partial),
        Response("direct_report", answers),
    ]
    html = view_html(view_for(score(psl, responses, "Ana"), generated=DAY))
    # In sa-1 two peers and the lone direct report would make three, but the peers' set is published
    # about on its own (fewer than 3 of them rated sa-1): pooled beside it, the direct report's
    # answer would be an atom of one. So both are left out there.
    assert "Peers: shown, except in the figures where fewer than 3 rated; there left out." in html
    assert (
        "Direct reports: fewer than 3 responded; a small group is combined only with other groups too small "
        "to be shown on their own, and there were not enough of those to reach the threshold together; "
        "left out of every figure."
    ) in html
