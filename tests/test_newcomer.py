"""A newcomer's first ten minutes (issue 24): file names, close names, and the habits of the command line."""

from __future__ import annotations

import pytest

from leadcheck.filenames import slug


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Søren Whitfield", "soren-whitfield"),
        ("Łucja Lindqvist", "lucja-lindqvist"),
        ("Ana Ruíz", "ana-ruiz"),
        ("Алёна Петрова", "alena-petrova"),
        ("王芳", "wangfang"),
        ("Ἀλέξανδρος", "alexandros"),
        ("../../etc/passwd", "etc-passwd"),
        ("", "leader"),
    ],
)
def test_file_names_transliterate_every_script(name: str, expected: str) -> None:
    assert slug(name, "leader") == expected


def test_the_invitation_attachment_of_a_non_latin_leader_names_them() -> None:
    from leadcheck.campaign import issue

    assert issue.slug("Алёна Петрова", "leader-7", limit=40) == "alena-petrova"
