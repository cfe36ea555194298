"""`leadcheck validate`: the example corpus, the shipped instruments, hostile files and formats."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from leadcheck.base import yamlsafe
from leadcheck.instrument.validate import validate_bytes, validate_file, validate_text

from .conftest import EXAMPLES, REPO

INVALID = sorted((EXAMPLES / "invalid").glob("*.yaml"))
VALID = sorted((EXAMPLES / "valid").glob("*.yaml"))
SHIPPED = sorted((REPO / "instruments").glob("*.yaml"))


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_invalid_example_gives_exactly_its_expected_problems(path: Path) -> None:
    expected = path.with_suffix(".expected").read_text(encoding="utf-8").splitlines()
    result = validate_file(path)
    got = [p.with_code().replace(str(path.parent) + "/", "") for p in result.problems]
    # "{parser}" in an expectation stands for the YAML parser's own wording, which is
    # PyYAML's to change: we pin where the problem is and leadcheck's words around it.
    patterns = [re.escape(line).replace(re.escape("{parser}"), ".+") for line in expected]
    assert len(got) == len(patterns), got
    for line, pattern in zip(got, patterns, strict=True):
        assert re.fullmatch(pattern, line), line
    assert not result.ok_strict(strict=True)


@pytest.mark.parametrize("path", VALID + SHIPPED, ids=lambda p: p.name)
def test_valid_examples_and_shipped_instruments_have_no_problems(path: Path) -> None:
    result = validate_file(path)
    assert result.problems == []
    assert result.instrument is not None


def test_every_invalid_example_has_its_expectations() -> None:
    assert INVALID, "the corpus is empty"
    for path in INVALID:
        assert path.with_suffix(".expected").is_file(), f"{path.name} has no .expected file"


def test_psl_360_covers_the_model() -> None:
    inst = validate_file(REPO / "instruments" / "psl-360.yaml").instrument
    assert inst is not None
    assert [c.name for c in inst.competencies] == [
        "Becoming Self-Aware",
        "Engaging Others",
        "Leading Change",
        "Achieving Results",
    ]
    assert [v.name for v in inst.values] == ["Stewardship of Public Trust", "Commitment to Public Good"]
    areas = {item.area for c in inst.competencies for item in c.items}
    assert len(areas) == 20
    for dim in inst.dimensions:
        assert inst.development.get(dim.id), f"no development actions for {dim.id}"
        for item in dim.items:
            assert item.self_text.startswith("I ")
            assert item.others_text.startswith("This leader ")
    assert {q.id for q in inst.questions} == {"keep", "start", "stop"}


def test_labor_management_partnership_is_rated_by_both_sides() -> None:
    inst = validate_file(REPO / "instruments" / "labor-management-partnership.yaml").instrument
    assert inst is not None
    assert {"management", "union"} <= set(inst.groups)
    assert not inst.has_self
    assert len(inst.competencies) == 7


def test_defaults_fill_in_groups_and_scoring() -> None:
    inst = validate_file(EXAMPLES / "valid" / "minimal.yaml").instrument
    assert inst is not None
    assert [(g.id, g.min_raters) for g in inst.rater_groups] == [
        ("self", 1),
        ("manager", 1),
        ("peer", 3),
        ("direct_report", 3),
        ("other", 3),
    ]
    # Its scale runs 1 to 3: the 1-to-5 defaults keep their proportions (half the step size).
    assert inst.scoring.blind_spot_gap == 0.375
    assert inst.scoring.agreement_gap == 0.25
    assert inst.scoring.high_score == 2.5
    assert inst.scale.not_observed is True


def test_custom_group_without_threshold_defaults_to_three() -> None:
    inst = validate_file(EXAMPLES / "valid" / "custom-groups.yaml").instrument
    assert inst is not None
    assert inst.group("union").min_raters == 3
    assert inst.group("management").min_raters == 2
    assert inst.scale.not_observed is False


# -- hostile and broken files -------------------------------------------------------------


def test_billion_laughs_is_refused_at_the_first_alias() -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    result = validate_text("\n".join(lines) + "\n", "bomb.yaml")
    assert [(p.line, p.code) for p in result.problems] == [(2, "yaml-alias")]


def test_deep_nesting_is_refused_without_recursion() -> None:
    text = "a: " + "[" * 100_000 + "]" * 100_000 + "\n"
    result = validate_text(text, "deep.yaml")
    assert [p.code for p in result.problems] == ["too-deep"]


@pytest.fixture(params=["libyaml", "pure-python"])
def loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both of PyYAML's parsers: their look-ahead and internal limits differ."""
    if request.param == "pure-python":
        monkeypatch.setattr(yamlsafe, "_Loader", yaml.SafeLoader)


@pytest.mark.usefixtures("loader")
@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("a: " + "[" * 100_000 + "]" * 100_000 + "\n", (1, 67)),
        ("a: " + "[" * 5_000, (1, 67)),
        ("a: " + "{b: " * 3_000 + "1" + "}" * 3_000 + "\n", (1, 256)),
        ("a:\n  b:\n    - " + "[" * 2_000 + "\n", (3, 68)),
        ("a: [" + "'[', " * 2_000 + "]\n" + "b: " + "[" * 2_000 + "\n", (2, 67)),
    ],
    ids=["flow", "unclosed", "flow-mapping", "block-then-flow", "brackets-in-quotes"],
)
def test_deep_flow_nesting_is_our_own_problem_under_every_parser(text: str, where: tuple[int, int]) -> None:
    (problem,) = validate_text(text, "deep.yaml").problems
    assert (problem.code, problem.line, problem.column) == ("too-deep", *where)
    assert problem.message == "nesting is deeper than 64 levels"


@pytest.mark.usefixtures("loader")
def test_brackets_in_text_are_not_nesting() -> None:
    text = "id: x\ntitle: see [[[[" + "[" * 200 + " and 'quotes [[['\nnote: |\n  " + "[" * 200 + "\n"
    assert "too-deep" not in [p.code for p in validate_text(text, "x.yaml").problems]


def test_deep_block_nesting_is_refused() -> None:
    text = "".join("  " * i + f"k{i}:\n" for i in range(200)) + "  " * 200 + "x: 1\n"
    result = validate_text(text, "deep.yaml")
    assert [p.code for p in result.problems] == ["too-deep"]


def test_binary_file() -> None:
    result = validate_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "logo.yaml")
    assert [p.with_code() for p in result.problems] == [
        "logo.yaml:1:1: error: file looks binary (it holds NUL bytes); expected UTF-8 YAML text [encoding]"
    ]


def test_non_utf8_bytes_point_at_the_bad_byte() -> None:
    result = validate_bytes(b"id: x\ntitle: caf\xe9\n", "latin1.yaml")
    assert [p.with_code() for p in result.problems] == [
        "latin1.yaml:2:11: error: byte 0xe9 is not valid UTF-8; save the file as UTF-8 [encoding]"
    ]


def test_utf8_byte_order_mark_is_accepted() -> None:
    data = (EXAMPLES / "valid" / "minimal.yaml").read_bytes()
    assert validate_bytes(b"\xef\xbb\xbf" + data, "bom.yaml").ok


def test_many_megabytes_are_refused_before_parsing(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a: " + b"x" * (20 * 1024 * 1024))
    result = validate_file(big)
    assert [p.code for p in result.problems] == ["file-too-large"]


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "e.yaml").write_bytes(b"")
    assert [p.code for p in validate_file(tmp_path / "e.yaml").problems] == ["empty-file"]


def test_python_tags_are_never_constructed(tmp_path: Path) -> None:
    marker = tmp_path / "MARKER"
    text = (
        (EXAMPLES / "valid" / "minimal.yaml")
        .read_text()
        .replace("title: Minimal", f'title: !!python/object/apply:os.system ["touch {marker}"]')
    )
    result = validate_text(text, "tag.yaml")
    assert not marker.exists()
    assert [p.with_code() for p in result.problems] == [
        'tag.yaml:4:8: error: "title" of the instrument should be a string, found a list [type]'
    ]
    scalar = text.replace(f'["touch {marker}"]', f'"touch {marker}"')
    result = validate_text(scalar, "tag.yaml")
    assert not marker.exists()
    assert result.instrument is not None
    assert result.instrument.title == f"touch {marker}"


def test_a_second_document_is_refused() -> None:
    text = (EXAMPLES / "valid" / "minimal.yaml").read_text() + "---\nid: other\n"
    assert [p.code for p in validate_text(text, "two.yaml").problems] == ["yaml-syntax"]


# -- the command -----------------------------------------------------------------------


def test_validate_text_output_and_exit_code(cli) -> None:  # type: ignore[no-untyped-def]
    run = cli("validate", EXAMPLES / "invalid" / "missing-text.yaml")
    assert run.exit_code == 1
    assert run.stdout.splitlines() == [
        f'{EXAMPLES}/invalid/missing-text.yaml:14:9: error: item "sa-3" has no "others" text [item-text]',
        "1 file checked: 1 error, 0 warnings in 1 file",
    ]
    assert "\x1b[" not in run.stdout  # no colour when not on a terminal


def test_validate_folder_of_valid_files(cli) -> None:  # type: ignore[no-untyped-def]
    run = cli("validate", REPO / "instruments")
    assert run.exit_code == 0
    assert run.stdout.strip() == f"{len(SHIPPED)} files checked: all valid"


def test_warnings_pass_unless_strict(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = (EXAMPLES / "valid" / "minimal.yaml").read_text()
    text += "      - id: li-2\n        self: I let people finish before I answer.\n        others: Same.\n"
    path = tmp_path / "warn.yaml"
    path.write_text(text)
    assert cli("validate", path).exit_code == 0
    run = cli("validate", "--strict", path)
    assert run.exit_code == 1
    assert "[duplicate-text]" in run.stdout


def test_json_format(cli) -> None:  # type: ignore[no-untyped-def]
    run = cli(
        "validate", "--format", "json", EXAMPLES / "invalid" / "missing-text.yaml", REPO / "instruments"
    )
    doc = json.loads(run.stdout)
    assert run.exit_code == 1
    assert doc["ok"] is False
    first = doc["files"][0]
    assert first["problems"] == [
        {
            "path": str(EXAMPLES / "invalid" / "missing-text.yaml"),
            "line": 14,
            "column": 9,
            "level": "error",
            "code": "item-text",
            "message": 'item "sa-3" has no "others" text',
        }
    ]
    assert all(f["ok"] for f in doc["files"][1:])
    assert {f["instrument"] for f in doc["files"][1:]} == {p.stem for p in SHIPPED}


def test_github_format(cli) -> None:  # type: ignore[no-untyped-def]
    run = cli("validate", "-f", "github", EXAMPLES / "invalid" / "missing-text.yaml")
    assert run.exit_code == 1
    assert run.stdout.splitlines() == [
        f"::error file={EXAMPLES}/invalid/missing-text.yaml,line=14,col=9,title=item-text::"
        'item "sa-3" has no "others" text'
    ]


def test_missing_path_is_a_usage_error(cli) -> None:  # type: ignore[no-untyped-def]
    run = cli("validate", "nowhere.yaml")
    assert run.exit_code == 2
    assert run.stderr.strip() == "error: nowhere.yaml: no such file or folder"
    assert "Traceback" not in run.stdout + run.stderr


def test_folder_without_yaml_is_a_usage_error(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "empty").mkdir()
    run = cli("validate", tmp_path / "empty")
    assert run.exit_code == 2
    assert "no *.yaml or *.yml files" in run.stderr


def test_unknown_format_is_a_usage_error(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("validate", "-f", "xml", REPO / "instruments").exit_code == 2


def test_pre_commit_hook_is_declared() -> None:
    text = (REPO / ".pre-commit-hooks.yaml").read_text()
    assert "id: leadcheck-validate" in text
    assert "entry: leadcheck-validate" in text


def test_validate_main_entry_point(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from leadcheck.cli import validate_app

    result = CliRunner().invoke(validate_app, [str(EXAMPLES / "invalid" / "missing-text.yaml")])
    assert result.exit_code == 1
    assert "[item-text]" in result.stdout


def test_markup_in_file_names_and_messages_prints_as_typed(  # type: ignore[no-untyped-def]
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import re

    monkeypatch.setenv("FORCE_COLOR", "1")  # rich renders as on a terminal, where markup used to bite
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "[red]x.yaml").write_text("id: x\n")
    (folder / "key.yaml").write_text((EXAMPLES / "valid" / "minimal.yaml").read_text() + '"[/]": 1\n')
    run = cli("validate", folder)
    assert run.exit_code == 1
    assert "\x1b[" in run.stdout
    lines = re.sub(r"\x1b\[[0-9;]*m", "", run.stdout).splitlines()
    assert (
        f'{folder}/[red]x.yaml:1:1: error: the instrument has no "competencies"; add the "competencies" key [missing-key]'
        in lines
    )
    assert any(
        line.startswith(f"{folder}/key.yaml:") and 'error: unknown key "[/]" in the instrument;' in line
        for line in lines
    )


def test_a_fifo_is_refused_not_waited_on(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import os

    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    run = cli("validate", fifo)
    assert run.exit_code == 1
    assert run.stdout.splitlines()[0] == f"{fifo}:1:1: error: is not a regular file [unreadable]"


def test_warnings_only_summary_counts_the_file(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = (EXAMPLES / "valid" / "minimal.yaml").read_text()
    text += "      - id: li-2\n        self: I let people finish before I answer.\n        others: Same.\n"
    path = tmp_path / "warn.yaml"
    path.write_text(text)
    assert cli("validate", path).stdout.splitlines()[-1] == "1 file checked: 0 errors, 1 warning in 1 file"
    strict = cli("validate", path, "--strict")
    assert strict.exit_code == 1
    assert strict.stdout.splitlines()[-1] == (
        "1 file checked: failed with --strict, which counts warnings as errors: 1 warning in 1 file"
    )


def test_a_copied_instrument_is_told_to_name_its_schema_by_url(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from leadcheck.base.resources import instruments_dir
    from leadcheck.instrument.validate import SCHEMA_URL

    # psl-360 names the schema by URL: a copy of it works anywhere.
    psl = (instruments_dir() / "psl-360.yaml").read_text(encoding="utf-8")
    assert psl.splitlines()[0] == f"# yaml-language-server: $schema={SCHEMA_URL}"
    (tmp_path / "psl-copy.yaml").write_text(psl, encoding="utf-8")
    assert cli("validate", tmp_path / "psl-copy.yaml", "--strict").exit_code == 0
    # The other shipped instruments keep the relative path (their text is their content hash).
    shipped = (instruments_dir() / "ses-critical-elements.yaml").read_text(encoding="utf-8")
    copy = tmp_path / "my-360.yaml"
    copy.write_text(shipped, encoding="utf-8")
    run = cli("validate", copy, "--strict")
    assert run.exit_code == 1
    assert run.stdout.splitlines()[0] == (
        f'{copy}:1:33: warning: the schema "../schema/instrument.schema.json" does not exist from this '
        f"file's folder, so an editor cannot check the file; name it by URL: $schema={SCHEMA_URL} "
        "[schema-reference]"
    )
    copy.write_text(shipped.replace("../schema/instrument.schema.json", SCHEMA_URL), encoding="utf-8")
    assert cli("validate", copy, "--strict").exit_code == 0
    assert cli("validate", instruments_dir(), "--strict").exit_code == 0  # the shipped ones are left alone
