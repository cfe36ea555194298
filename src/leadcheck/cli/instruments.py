"""`leadcheck instruments list|show`: what instruments there are and what they ask."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from leadcheck.base import text as txt
from leadcheck.base.errors import ExitCode
from leadcheck.cli._common import FormatOpt, TextOrJson, complete_instrument, console
from leadcheck.cli._help import Command, Group

app = typer.Typer(
    help="List the available instruments and show what they ask.",
    no_args_is_help=True,
    rich_markup_mode=None,
    cls=Group,
)


@app.command("list", cls=Command)
def list_(
    folders: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Folders (or files) with more instruments, besides the shipped ones.",
            metavar="FOLDER",
            show_default=False,
        ),
    ] = None,
    format: FormatOpt = TextOrJson.text,
) -> None:
    """List the shipped instruments and any found in the given folders."""
    from rich.table import Table
    from rich.text import Text

    from leadcheck.instrument.catalog import list_instruments

    infos, invalid = list_instruments(folders or [])
    if format is TextOrJson.json:
        doc = {
            "instruments": [
                {
                    "id": i.id,
                    "version": i.version,
                    "title": i.title,
                    "items": i.items,
                    "shipped": i.builtin,
                    "path": str(i.path),
                }
                for i in infos
            ],
            "invalid": [{"path": str(r.path), "errors": len(r.errors)} for r in invalid],
        }
        typer.echo(json.dumps(doc, indent=2, ensure_ascii=False))
        raise typer.Exit(ExitCode.INVALID if invalid else ExitCode.OK)
    table = Table(title="Instruments", title_justify="left")
    table.add_column("id", no_wrap=True)
    table.add_column("version", no_wrap=True)
    table.add_column("title", overflow="fold")
    table.add_column("items", justify="right")
    table.add_column("source", overflow="fold")
    for info in infos:
        cells = (
            info.id,
            info.version,
            info.title,
            str(info.items),
            "shipped" if info.builtin else str(info.path),
        )
        table.add_row(*(Text(c) for c in cells))  # Text: titles and paths are data, never markup
    out = console(soft_wrap=True)
    out.print(table, soft_wrap=False)
    for result in invalid:
        out.print(
            f"{result.path}: not a valid instrument ({txt.count(len(result.errors), 'error')}); run `leadcheck validate {result.path}`",
            markup=False,
        )
    if invalid:
        raise typer.Exit(ExitCode.INVALID)


@app.command("show", cls=Command)
def show(
    ref: Annotated[
        str,
        typer.Argument(
            help="A shipped instrument id (e.g. psl-360) or a path to a YAML file.",
            metavar="ID|PATH",
            autocompletion=complete_instrument,
        ),
    ],
) -> None:
    """Show an instrument's scale, rater groups, competencies and items as a tree."""
    from rich.text import Text
    from rich.tree import Tree

    from leadcheck.instrument.catalog import load_instrument

    # Text pieces, never markup: every title, label and item text is the instrument author's data.
    bold = "bold"
    inst = load_instrument(ref)
    tree = Tree(Text.assemble((inst.title, bold), f" ({inst.id} {inst.version})"))
    scale = ", ".join(f"{p.value} {p.label}" for p in inst.scale.points)
    if inst.scale.not_observed:
        scale += f"; n {inst.scale.not_observed_label}"
    tree.add(Text.assemble(("Scale", bold), f": {scale}"))
    groups = tree.add(Text("Rater groups", style=bold))
    for g in inst.rater_groups:
        groups.add(Text(f"{g.label} ({g.id}): shown from {txt.count(g.min_raters, 'rater')}"))
    for dim in inst.dimensions:
        branch = tree.add(
            Text.assemble((dim.name, bold), f" ({dim.kind} {dim.id}, {txt.count(len(dim.items), 'item')})")
        )
        for item in dim.items:
            node = branch.add(
                Text.assemble(
                    f"{item.id}  ",
                    (f"{item.area}: " if item.area else "", "dim"),
                    item.self_text,
                    (" (reverse-scored)" if item.reverse else "", "italic"),
                )
            )
            node.add(Text(item.others_text, style="dim"))
    if inst.questions:
        qs = tree.add(Text("Open questions", style=bold))
        for q in inst.questions:
            qs.add(Text(f"{q.id}  {q.self_text}"))
    if inst.development:
        dev = tree.add(Text("Development actions", style=bold))
        for dim_id, actions in inst.development.items():
            dev.add(Text(f"{dim_id}: " + "; ".join(a.title for a in actions)))
    console().print(tree)
