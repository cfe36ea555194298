"""`leadcheck assess` and `leadcheck rate`: answering in the terminal, one key per item."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
