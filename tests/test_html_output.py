"""`--format html` runs no script and fetches nothing, whatever a template holds: checked by parsing
the output as a browser does (tinyhtml5, an HTML5 parser)."""

from __future__ import annotations

from pathlib import Path

import pytest
import tinyhtml5

from leadcheck.base.responses import Response
from leadcheck.demo import demo_leaders, demo_responses
from leadcheck.instrument.catalog import load_instrument
from leadcheck.report.htmlsafe import CSP, safe_url
from leadcheck.report.render import render
from leadcheck.scoring import Scorecard, score

HOSTILE = """
<script>alert(1)</script><script src="https://evil.example/x.js"></script>
<link rel="stylesheet" href="https://evil.example/x.css"><base href="https://evil.example/">
<meta http-equiv="refresh" content="0;url=https://evil.example/">
<style>@import url(https://evil.example/a.css); .e{background:url( 'https://evil.example/b.png' )}</style>
<p onclick="alert(1)" onmouseover="alert(2)">handlers</p>
<img src="https://evil.example/t.png" alt="tracker"><img src="//evil.example/t.png" alt="p">
<a href="javascript:alert(1)">j</a><a href=" java&#x09;script:alert(1)">j2</a><a href="#top">inside</a>
<a href="http://evil.example/">remote</a><a href="logo-missing.png">relative</a>
<iframe src="https://evil.example"><p>in a frame</p></iframe><object data="x.swf"></object><embed src="x.swf">
<svg><a xlink:href="javascript:alert(1)"><text>x</text></a><animate attributeName="href" to="javascript:alert(1)"/>
<image href="http://evil.example/i.png"/><script>alert(2)</script><style><img src=x onerror=alert(3)></style></svg>
<div style="background-image:url(http://evil.example/c.png)">styled</div>
<img srcset="data:image/png;base64,AAAA 1x, https://evil.example/s.png 2x" alt="s">
<svg><rect fill="url(https://evil.example/p.svg#g)" filter="url( 'http://evil.example/f.svg#f' )"/></svg>
<form action="https://evil.example"><button formaction="https://evil.example">b</button></form>
<title></title x><img src=x onerror=alert(4)></title>
<noscript><img src="https://evil.example/n.png"></noscript><!-- <script>alert(5)</script> -->
<p>Book your debrief with your coach.</p>
"""

XHTML = "{http://www.w3.org/1999/xhtml}"


@pytest.fixture(scope="module")
def card() -> Scorecard:
    psl = load_instrument("psl-360")
    leader = demo_leaders(1, 3)[0]
    incoming = demo_responses(psl, [leader], 3)
    return score(psl, [Response(r.group, r.answers, r.comments) for r in incoming], "Ana Ruiz")


def hostile_report(card: Scorecard, tmp_path: Path) -> str:
    custom = tmp_path / "tpl"
    custom.mkdir()
    (custom / "report.html.j2").write_text(
        '{% extends "base.html.j2" %}{% block extra_sections %}<section>'
        + HOSTILE
        + "</section>{% endblock %}"
    )
    return render(card, "html", template_dir=custom).decode()


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def test_the_html_report_holds_no_script_no_handler_and_no_remote_reference(
    card: Scorecard, tmp_path: Path
) -> None:
    html = hostile_report(card, tmp_path)
    root = tinyhtml5.parse(html)
    elements = list(root.iter())
    tags = {local(e.tag) for e in elements if isinstance(e.tag, str)}
    assert not tags & {"script", "iframe", "object", "embed", "link", "base", "animate", "noscript"}
    for element in elements:
        for name, value in element.attrib.items():
            name = local(name)
            assert not name.startswith("on"), (element.tag, name)
            if name in ("href", "src", "action", "formaction", "data", "srcset", "poster"):
                assert safe_url(value), (element.tag, name, value)
            assert "javascript:" not in value.replace("\t", "").lower()
    values = " ".join((e.text or "") + " ".join(e.attrib.values()) for e in elements)
    assert "evil.example" not in values
    assert "evil.example" not in html
    assert "alert(" not in html.replace("&lt;img src=x onerror=alert(3)&gt;", "")
    # What the template said in words is kept.
    assert "Book your debrief with your coach." in html
    assert "Becoming self-aware" in html or "BECOMING SELF-AWARE" in html.upper()


def test_the_policy_is_the_first_thing_in_the_head(card: Scorecard, tmp_path: Path) -> None:
    root = tinyhtml5.parse(hostile_report(card, tmp_path))
    head = root.find(f"{XHTML}head")
    assert head is not None
    first = head[0]
    assert local(first.tag) == "meta"
    assert first.attrib["http-equiv"] == "Content-Security-Policy"
    assert first.attrib["content"] == CSP
    assert CSP.startswith("default-src 'none'; ")
    metas = [m for m in root.iter(f"{XHTML}meta") if m.attrib.get("http-equiv")]
    assert metas == [first]  # the template's own refresh is gone


def test_the_shipped_report_in_html_keeps_its_inlined_assets_and_text(card: Scorecard) -> None:
    html = render(card, "html").decode()
    root = tinyhtml5.parse(html)
    assert root.find(f"{XHTML}head")[0].attrib["content"] == CSP  # type: ignore[index]
    assert len(list(root.iter("{http://www.w3.org/2000/svg}svg"))) > 5  # the charts
    assert "<script" not in html.lower()
