"""The JSON Schema: committed, up to date, and agreeing with the validator."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from leadcheck.base import yamlsafe
from leadcheck.instrument.spec import to_json_schema

from .conftest import EXAMPLES, REPO

SCHEMA_FILE = REPO / "schema" / "instrument.schema.json"


def test_committed_schema_is_current() -> None:
    committed = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert committed == to_json_schema(), (
        "schema/instrument.schema.json is stale: run `leadcheck schema -o schema/instrument.schema.json`"
    )


def test_schema_command_prints_it(cli) -> None:  # type: ignore[no-untyped-def]
    run = cli("schema")
    assert run.exit_code == 0
    assert json.loads(run.stdout) == json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def test_schema_is_valid_draft_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(to_json_schema())


def _load(path: Path) -> object:
    return yamlsafe.parse(path.read_text(encoding="utf-8")).to_python()


@pytest.mark.parametrize(
    "path",
    sorted((EXAMPLES / "valid").glob("*.yaml")) + sorted((REPO / "instruments").glob("*.yaml")),
    ids=lambda p: p.name,
)
def test_valid_files_pass_the_json_schema(path: Path) -> None:
    jsonschema.validate(_load(path), to_json_schema())


@pytest.mark.parametrize("name", ["missing-text", "typo-and-types"])
def test_structurally_invalid_files_fail_the_json_schema(name: str) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(_load(EXAMPLES / "invalid" / f"{name}.yaml"), to_json_schema())
