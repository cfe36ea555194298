"""Fuzzing the readers of other people's files: a LeadcheckError or a result, never another exception.

Inputs are valid files (an instrument, a filled-in form, survey CSVs) with bytes
replaced, inserted or cut by hypothesis, plus pieces known to upset parsers.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadcheck.base.errors import LeadcheckError
from leadcheck.importing import ImportOptions, plan_import
from leadcheck.importing.responsefile import write_form
from leadcheck.instrument.catalog import load_instrument
from leadcheck.instrument.validate import validate_bytes

from .conftest import MINI_360

FIXTURES = Path(__file__).parent / "fixtures"
PIECES = [
    b"\x00",
    b"\xff",
    b"\xe9",
    b"\xc3\xa9",
    b"\t",
    b"\r",
    b"\n",
    b'"',
    b"'",
    b":",
    b"- ",
    b"---\n",
    b"[",
    b"{",
    b"]",
    b"}",
    b"&a ",
    b"*a",
    b"!!int ",
    b"!!float ",
    b"!!timestamp ",
    b"!!binary ",
    b"!!python/object:os.system ",
    b"2024-02-30",
    b"9" * 5000,
    b".nan",
    b".inf",
    b"1e999",
    b"~",
    b"%YAML 1.1\n",
    b"? ",
    b"|\n",
    b">-\n",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b",",
    b";",
    b"n/a",
    b"=HYPERLINK(1)",
    "\u202e".encode(),
    b"[" * 100,
    b"{a: " * 80,
]
FUZZ = settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["insert", "replace", "cut", "piece", "value", "value"]))
        values = [i + 2 for i in range(len(data) - 1) if data[i : i + 2] in (b": ", b"- ")]
        if action == "value" and values:
            # A value replaced by a piece and some text: reaches the readers past the YAML syntax.
            at = draw(st.sampled_from(values))
            end = data.find(b"\n", at)
            data[at : end if end >= 0 else len(data)] = draw(st.sampled_from(PIECES)) + draw(
                st.sampled_from([b"", b"SECRET", b"4", b"x y", b"2024-02-30"])
            )
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif action == "replace":
            data[at : at + draw(st.integers(1, 8))] = draw(st.binary(min_size=1, max_size=8))
        elif action == "cut":
            del data[at : at + draw(st.integers(1, 200))]
        elif action == "piece":
            data[at:at] = draw(st.sampled_from(PIECES))
    return bytes(data)


def plan_of(tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with contextlib.suppress(LeadcheckError):
        plan_import([path], ImportOptions(instrument=str(MINI_360)), None)


@FUZZ
@given(data=mutated(MINI_360.read_bytes()))
def test_the_instrument_reader(data: bytes) -> None:
    result = validate_bytes(data, "fuzz.yaml")
    assert result.ok or result.problems


FORM = write_form(load_instrument(MINI_360), "Ana Ruiz", "peer").replace("  l-1:", "  l-1: 4").encode()


@FUZZ
@given(data=mutated(FORM))
def test_the_response_file_reader(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    plan_of(tmp_path_factory.mktemp("fuzz"), "form.yaml", data)


CSV = (
    b"leader,group,email,l-1,l-2,d-1,f-1,keep\n"
    b"Ana Ruiz,peer,a@x.org,1,2,Often,n/a,Good\n"
    b'Ana Ruiz,manager,b@x.org,4 - Often,5,3,,"Line\none"\n'
)


@FUZZ
@given(data=mutated(CSV))
def test_the_csv_importer(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    plan_of(tmp_path_factory.mktemp("fuzz"), "rows.csv", data)


@FUZZ
@given(data=mutated((FIXTURES / "imports" / "google-forms.csv").read_bytes()))
def test_a_survey_export(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "g.csv"
    path.write_bytes(data)
    with contextlib.suppress(LeadcheckError):
        plan_import([path], ImportOptions(instrument=str(FIXTURES / "imports" / "team-360.yaml")), None)
