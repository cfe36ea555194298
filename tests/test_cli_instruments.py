"""`leadcheck instruments list|show` and the global options."""

from __future__ import annotations

from pathlib import Path

from leadcheck import __version__

from .conftest import EXAMPLES


def test_list_shows_the_shipped_instruments(cli) -> None:  # type: ignore[no-untyped-def]
    run = cli("instruments", "list")
    assert run.exit_code == 0
    for ident in ("psl-360", "ses-critical-elements", "labor-management-partnership"):
        assert ident in run.stdout


def test_list_adds_a_folder_and_reports_invalid_files(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "minimal.yaml").write_text((EXAMPLES / "valid" / "minimal.yaml").read_text())
    (folder / "broken.yaml").write_text("id: [\n")
    run = cli("instruments", "list", folder)
    assert "minimal" in run.stdout
    assert "broken.yaml: not a valid instrument" in run.stdout
    assert run.exit_code == 1


def test_show_prints_the_tree(cli) -> None:  # type: ignore[no-untyped-def]
    run = cli("instruments", "show", "psl-360")
    assert run.exit_code == 0
    assert "Becoming Self-Aware" in run.stdout
    assert "sa-1" in run.stdout
    assert "reverse-scored" in run.stdout


def test_show_a_path(cli) -> None:  # type: ignore[no-untyped-def]
    run = cli("instruments", "show", EXAMPLES / "valid" / "minimal.yaml")
    assert run.exit_code == 0
    assert "Listening" in run.stdout


def test_show_unknown_id(cli) -> None:  # type: ignore[no-untyped-def]
    run = cli("instruments", "show", "psl-361")
    assert run.exit_code == 1
    assert run.stderr.startswith('error: no instrument "psl-361": give a path to a YAML file or one of')


def test_show_invalid_file_names_the_first_problem(cli) -> None:  # type: ignore[no-untyped-def]
    run = cli("instruments", "show", EXAMPLES / "invalid" / "missing-text.yaml")
    assert run.exit_code == 1
    assert 'item "sa-3" has no "others" text [item-text]' in run.stderr


def test_version(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("--version").stdout.strip() == f"leadcheck {__version__}"


def test_every_command_has_help_and_is_in_the_readme(cli) -> None:  # type: ignore[no-untyped-def]
    import typer.main

    from leadcheck.cli import app

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    group = typer.main.get_group(app)
    names: list[str] = []
    for name, command in group.commands.items():
        sub = getattr(command, "commands", None)
        if sub:
            names += [f"{name} {s}" for s in sub]
        else:
            names.append(name)
        assert command.help or command.short_help, f"{name} has no help"
    for name in names:
        assert f"leadcheck {name}" in readme, f"`leadcheck {name}` is not in the README"
