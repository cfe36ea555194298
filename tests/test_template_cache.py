"""Compiled report templates kept between runs: used only from a private folder, never across sandboxes.

Loading a kept template runs it, so the tests play the attacker: a folder others
can write to, a link to somewhere else, code compiled for an unsandboxed
environment, a damaged file. In every case the report still renders, through
the sandbox, from the template's own source.
"""

from __future__ import annotations

import os
from pathlib import Path

import jinja2
import pytest

from leadcheck.report import html as report_html
from leadcheck.report import templatecache
from leadcheck.report.bundle import load_bundle


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LEADCHECK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(report_html, "_environments", {})
    return tmp_path / "cache" / "templates"


def render_fresh(source: str) -> str:
    """Render ``source`` as a one-template bundle in a fresh environment (as a new process would)."""
    bundle = load_bundle()
    bundle = type(bundle)({**bundle.files, "probe.html.j2": source.encode()}, bundle.digest + source)
    report_html._environments.clear()
    return report_html.render_template(bundle, "probe.html.j2", name="<b>Ana</b>")


def test_templates_are_kept_in_a_private_folder_and_used_again(cache_home: Path) -> None:
    assert render_fresh("Hello {{ name }}") == "Hello &lt;b&gt;Ana&lt;/b&gt;"
    kept = sorted(cache_home.iterdir())
    assert kept and all(p.suffix == ".jinja" for p in kept)
    assert (cache_home.stat().st_mode & 0o777) == 0o700
    assert all((p.stat().st_mode & 0o077) == 0 for p in kept)
    before = {p: p.stat().st_mtime_ns for p in kept}
    assert render_fresh("Hello {{ name }}") == "Hello &lt;b&gt;Ana&lt;/b&gt;"
    assert {p: p.stat().st_mtime_ns for p in kept} == before  # read, not compiled and written again


def test_a_changed_template_is_compiled_afresh(cache_home: Path) -> None:
    assert render_fresh("A {{ name }}") == "A &lt;b&gt;Ana&lt;/b&gt;"
    assert render_fresh("B {{ name }}") == "B &lt;b&gt;Ana&lt;/b&gt;"


@pytest.mark.parametrize("mode", [0o777, 0o770, 0o755])
def test_a_folder_others_can_reach_is_not_used(cache_home: Path, mode: int) -> None:
    cache_home.mkdir(parents=True)
    cache_home.chmod(mode)
    assert templatecache.template_cache(report_html.ReportSandbox, report_html.OPTIONS) is None
    assert render_fresh("Hi {{ name }}") == "Hi &lt;b&gt;Ana&lt;/b&gt;"
    assert list(cache_home.iterdir()) == []


def test_a_link_in_place_of_the_folder_is_not_used(cache_home: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    cache_home.parent.mkdir(parents=True)
    cache_home.symlink_to(elsewhere)
    assert templatecache.template_cache(report_html.ReportSandbox, report_html.OPTIONS) is None
    render_fresh("Hi {{ name }}")
    assert list(elsewhere.iterdir()) == []


def test_code_compiled_without_the_sandbox_is_never_loaded_into_it(cache_home: Path) -> None:
    """Another Jinja program (or a plain Environment) sharing the folder cannot hand the report
    code compiled without the sandbox's checks: the keys differ by environment and options."""
    hostile = "{{ name.__class__.__mro__ }}"
    # The cache an unsandboxed environment with the very same options would use, in the same folder.
    unsandboxed = templatecache.template_cache(jinja2.Environment, report_html.OPTIONS)
    assert unsandboxed is not None
    plain = jinja2.Environment(  # noqa: S701 (autoescape is in OPTIONS)
        loader=jinja2.DictLoader({"probe.html.j2": hostile}),
        bytecode_cache=unsandboxed,
        **report_html.OPTIONS,
    )
    assert "object" in plain.get_template("probe.html.j2").render(name="x")
    assert len(list(cache_home.iterdir())) == 1
    # The same name and source under the report's sandbox: refused, as without any cache.
    from leadcheck.errors import ReportError

    with pytest.raises(ReportError, match="tried something templates may not do"):
        render_fresh(hostile)


def test_a_damaged_or_unwritable_cache_still_renders(cache_home: Path) -> None:
    render_fresh("Hi {{ name }}")
    for kept in cache_home.iterdir():
        kept.write_bytes(b"j2 not bytecode at all")
    assert render_fresh("Hi {{ name }}") == "Hi &lt;b&gt;Ana&lt;/b&gt;"
    for kept in cache_home.iterdir():
        kept.write_bytes(b"")
    assert render_fresh("Hi {{ name }}") == "Hi &lt;b&gt;Ana&lt;/b&gt;"
    cache = templatecache.template_cache(report_html.ReportSandbox, report_html.OPTIONS)
    assert cache is not None
    cache.directory = str(cache_home / "gone")  # writing fails: the render does not
    env = report_html.ReportSandbox(loader=jinja2.DictLoader({"t": "x{{ 1 }}"}), bytecode_cache=cache)
    assert env.get_template("t").render() == "x1"


def test_off_turns_the_cache_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADCHECK_CACHE_DIR", "off")
    assert templatecache.cache_dir() is None
    assert templatecache.template_cache(report_html.ReportSandbox, report_html.OPTIONS) is None


def test_the_default_folder_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("LEADCHECK_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert templatecache.cache_dir() == tmp_path / "leadcheck" / "templates"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert templatecache.cache_dir() == tmp_path / "home" / ".cache" / "leadcheck" / "templates"


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give the folder to another user")
def test_a_folder_owned_by_someone_else_is_not_used(cache_home: Path) -> None:
    cache_home.mkdir(parents=True, mode=0o700)
    os.chown(cache_home, 65534, 65534)
    assert templatecache.template_cache(report_html.ReportSandbox, report_html.OPTIONS) is None


def test_code_compiled_before_the_budget_is_never_loaded(
    cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Code compiled by the same sandbox class without the metered loops (an older leadcheck of the
    same version, a development copy) has another key: the loop below is stopped, not run for hours."""
    from jinja2.compiler import CodeGenerator

    from leadcheck.errors import ReportError

    class Unmetered(report_html.ReportSandbox):
        code_generator_class = CodeGenerator

    Unmetered.__module__ = report_html.ReportSandbox.__module__
    Unmetered.__qualname__ = report_html.ReportSandbox.__qualname__
    endless = "{% for a in range(99999) %}{% for b in range(99999) %}{% endfor %}{% endfor %}"
    with monkeypatch.context() as older:
        older.setattr(templatecache, "code_version", lambda: "the code of a development copy")
        kept = templatecache.template_cache(Unmetered, report_html.OPTIONS)
    assert kept is not None
    Unmetered(
        loader=jinja2.DictLoader({"probe.html.j2": endless}), bytecode_cache=kept, **report_html.OPTIONS
    ).get_template("probe.html.j2")  # compiled and kept, not run
    assert len(list(cache_home.iterdir())) == 1
    with pytest.raises(ReportError, match="went over its budget"):
        render_fresh(endless)
