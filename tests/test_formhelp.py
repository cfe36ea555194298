"""Response-file mistakes explained to the rater who made them: the line of the slip and what to do."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from leadcheck.importing.formhelp import find_slip
from leadcheck.importing.responsefile import write_form
from leadcheck.instrument.catalog import builtin_ids, load_instrument

from .conftest import MINI_360, Run

Cli = Callable[..., Run]
SEE = " (see how to fill it in at the top of the form)"
EXAMPLE = 'write the item, a colon, a space and your answer, for example "l-1: 4" or "l-1: often"'


@pytest.mark.parametrize(
    ("old", "new", "where", "message"),
    [
        ("  l-1:\n", " l-1: 4\n", "44:1", '"l-1" starts with 1 space; every answer starts with exactly 2 spaces: '
         "line it up with the ones above and below it"),
        ("  l-1:\n", "    l-1: 4\n", "44:1", '"l-1" starts with 4 spaces; every answer starts with exactly 2 '
         "spaces: line it up with the ones above and below it"),
        ("  l-1:\n", "l-1: 4\n", "44:1", "this answer starts at the very left; start it with 2 spaces, like the "
         "ones above and below it"),
        ("  l-1:\n", "  l-1 4\n", "44:6", f'the colon after "l-1" is missing; {EXAMPLE}'),
        ("  l-1:\n", '  l-1: "4\n', "44:7", 'the answer to "l-1" opens a quote and does not close it; remove '
         "the quote"),
        ("  l-1:\n", "  l-1: 4: often\n", "44:7", f'the answer to "l-1" holds a second colon; {EXAMPLE}'),
        ("  l-1:\n", "  l-1: [4\n", "44:7", f'the answer to "l-1" starts with "[", which has a meaning of its '
         f"own here; {EXAMPLE}"),
        ("  keep: |\n\n", "  keep: |\n  Good listener\n", "63:3", "this line of a written answer starts with 2 "
         "spaces; every line of a written answer starts with 4 spaces: add 2 spaces at its start"),
    ],
)  # fmt: skip
def test_a_slip_is_explained_at_its_line(
    cli: Cli, tmp_path: Path, old: str, new: str, where: str, message: str
) -> None:
    assert cli("form", "Ana", "--as", "peer", "-o", "f.yaml", "--instrument", str(MINI_360)).exit_code == 0
    text = (tmp_path / "f.yaml").read_text(encoding="utf-8")
    assert old in text
    (tmp_path / "f.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")
    done = cli("import", "f.yaml", "--instrument", str(MINI_360))
    assert done.exit_code == 1
    assert done.stderr == f"f.yaml:{where}: {message}{SEE}\n1 problem found. Nothing was written.\n"
    assert "Good listener" not in done.stderr  # what a rater wrote is never quoted


def test_an_unexplained_syntax_error_still_speaks_to_the_rater(cli: Cli, tmp_path: Path) -> None:
    assert cli("form", "Ana", "--as", "peer", "-o", "f.yaml", "--instrument", str(MINI_360)).exit_code == 0
    text = (tmp_path / "f.yaml").read_text(encoding="utf-8")
    (tmp_path / "f.yaml").write_text(text.replace('leader: "Ana"', 'leader: "Ana'), encoding="utf-8")
    done = cli("import", "f.yaml", "--instrument", str(MINI_360))
    assert done.exit_code == 1
    assert (
        "the form cannot be read from here on; compare this line and the one above it with the examples"
        in (done.stderr)
    )


@pytest.mark.parametrize("name", sorted(builtin_ids()))
def test_blank_and_filled_forms_of_every_shipped_instrument_have_no_slip(name: str) -> None:
    instrument = load_instrument(name)
    for group in instrument.groups:
        blank = write_form(instrument, "Ana", group)
        assert find_slip(blank) is None
        filled = blank
        for item in instrument.items:
            filled = filled.replace(f"  {item}:\n", f"  {item}: 4  # sure\n", 1)
        for question in instrument.questions:
            filled = filled.replace(
                f"  {question.id}: |\n\n", f"  {question.id}: |\n    Line one.\n\n    Two.\n", 1
            )
        assert find_slip(filled) is None
