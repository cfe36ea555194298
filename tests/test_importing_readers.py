"""The import finds its readers in a registry: a new kind of file is one entry, and importing names none."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from leadcheck.importing import ImportOptions, apply_plan, kinds, plan_import, readers
from leadcheck.store import Store

from .conftest import EXAMPLES

MINIMAL = EXAMPLES / "valid" / "minimal.yaml"


def test_importing_imports_nothing_of_campaign() -> None:
    """Returned PDF forms plug in from above: reading and storing an import never loads campaign."""
    code = (
        "import sys, leadcheck.importing, leadcheck.importing.plan, leadcheck.importing.kinds\n"
        "print(sorted(m for m in sys.modules if m.startswith('leadcheck.campaign')))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"


def test_the_built_in_kinds_are_offered_a_file_by_name_first_then_by_content() -> None:
    names = [kind.name for kind in readers.registered()]
    assert names[-2:] == ["json", "table"]
    assert "response" in names[:-2]


@pytest.fixture
def toy_kind(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A kind of file registered for one test: ``.toy`` files hold one response in CSV."""
    monkeypatch.setattr(readers, "_KINDS", dict(readers._KINDS))
    started: list[str] = []

    def start() -> readers.Read:
        started.append("import")

        def read(path: Path, context: readers.ReadContext) -> readers.FileRead:
            options = ImportOptions(layout="generic", instrument=context.options.instrument)
            as_table = readers.ReadContext(
                context.source, options, context.instruments, context.problems, context.known, context.store
            )
            return readers.FileRead("toy", kinds.TABLE.start()(path, as_table).parsed)

        return read

    readers.register(readers.FileKind("toy", "toy file", lambda f: f.suffix == ".toy", start))
    return started


def test_a_registered_kind_reads_the_files_it_claims(tmp_path: Path, toy_kind: list[str]) -> None:
    toy = tmp_path / "r.toy"
    toy.write_text("leader,group,email,li-1\nAna,peer,a@x.org,2\nAna,peer,b@x.org,3\n")
    other = tmp_path / "s.toy"
    other.write_text("leader,group,email,li-1\nBo,peer,c@x.org,3\n")
    with Store.open(tmp_path / "w.db") as store:
        plan = plan_import([toy, other], ImportOptions(instrument=str(MINIMAL)), store)
        assert plan.ok, plan.problems
        assert [(f.source, f.layout, f.responses) for f in plan.files] == [
            (str(toy), "toy file", 2),
            (str(other), "toy file", 1),
        ]
        assert apply_plan(plan, store).added == 3
    assert toy_kind == ["import"]  # started once per import, however many files it reads


def test_a_pdf_is_a_questionnaire_only_once_campaign_registered_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(readers, "_KINDS", dict(readers._KINDS))
    pdf = tmp_path / "form.pdf"
    pdf.write_bytes(b"%PDF-1.7\n%%EOF\n")
    readers._KINDS.pop("questionnaire", None)  # as the library alone has it
    plan = plan_import([pdf], ImportOptions(instrument=str(MINIMAL)), None)
    assert [f.layout for f in plan.files] != ["PDF questionnaire"]

    from leadcheck.campaign.returns import QUESTIONNAIRE

    readers.register(QUESTIONNAIRE)
    plan = plan_import([pdf], ImportOptions(instrument=str(MINIMAL)), None)
    assert [f.layout for f in plan.files] == ["PDF questionnaire"]
    assert not plan.ok  # no workspace to check its sender against


def test_a_file_no_kind_claims_is_one_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "_KINDS", {"response": kinds.RESPONSE})
    path = tmp_path / "r.csv"
    path.write_text("leader,group,email,li-1\nAna,peer,a@x.org,2\n")
    plan = plan_import([path], ImportOptions(instrument=str(MINIMAL)), None)
    assert [(p.code, p.message) for p in plan.errors] == [
        (
            "unknown-file",
            "no reader takes a file like this with --layout auto; import response files, "
            "leadcheck exports or survey CSV exports",
        )
    ]
