"""`leadcheck instruments list|show`: what instruments there are and what they ask."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from leadcheck.cli._common import console, handle_errors

app = typer.Typer(help="List the available instruments and show what they ask.", no_args_is_help=True)


@app.command("list")
@handle_errors
def list_(
    folders: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Folders (or files) with more instruments, besides the shipped ones.", show_default=False
        ),
    ] = None,
) -> None:
    """List the shipped instruments and any found in the given folders."""
    from rich.table import Table

    from leadcheck.instrument.catalog import list_instruments

    infos, invalid = list_instruments(folders or [])
    table = Table(title="Instruments", title_justify="left")
    table.add_column("id", no_wrap=True)
    table.add_column("version", no_wrap=True)
    table.add_column("title", overflow="fold")
    table.add_column("items", justify="right")
    table.add_column("source", overflow="fold")
    for info in infos:
        table.add_row(
            info.id, info.version, info.title, str(info.items), "shipped" if info.builtin else str(info.path)
        )
    out = console(soft_wrap=True)
    out.print(table, soft_wrap=False)
    for result in invalid:
        out.print(
            f"{result.path}: not a valid instrument ({len(result.errors)} error{'s' * (len(result.errors) != 1)}); run `leadcheck validate {result.path}`",
            markup=False,
        )
    if invalid:
        raise typer.Exit(1)


@app.command("show")
@handle_errors
def show(
    ref: Annotated[
        str, typer.Argument(help="A shipped instrument id (e.g. psl-360) or a path to a YAML file.")
    ],
) -> None:
    """Show an instrument's scale, rater groups, competencies and items as a tree."""
    from rich.markup import escape
    from rich.tree import Tree

    from leadcheck.instrument.catalog import load_instrument

    inst = load_instrument(ref)
    tree = Tree(f"[bold]{escape(inst.title)}[/] ({escape(inst.id)} {escape(inst.version)})")
    scale = ", ".join(f"{p.value} {escape(p.label)}" for p in inst.scale.points)
    if inst.scale.not_observed:
        scale += f"; n {escape(inst.scale.not_observed_label)}"
    tree.add(f"[bold]Scale[/]: {scale}")
    groups = tree.add("[bold]Rater groups[/]")
    for g in inst.rater_groups:
        groups.add(f"{escape(g.label)} ({g.id}): shown from {g.min_raters} rater{'s' * (g.min_raters != 1)}")
    for dim in inst.dimensions:
        branch = tree.add(f"[bold]{escape(dim.name)}[/] ({dim.kind} {dim.id}, {len(dim.items)} items)")
        for item in dim.items:
            flag = " [italic](reverse-scored)[/]" if item.reverse else ""
            area = f"[dim]{escape(item.area)}:[/] " if item.area else ""
            node = branch.add(f"{item.id}  {area}{escape(item.self_text)}{flag}")
            node.add(f"[dim]{escape(item.others_text)}[/]")
    if inst.questions:
        qs = tree.add("[bold]Open questions[/]")
        for q in inst.questions:
            qs.add(f"{q.id}  {escape(q.self_text)}")
    if inst.development:
        dev = tree.add("[bold]Development actions[/]")
        for dim_id, actions in inst.development.items():
            dev.add(f"{dim_id}: " + "; ".join(escape(a.title) for a in actions))
    console().print(tree)
