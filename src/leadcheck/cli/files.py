"""`leadcheck form`, `leadcheck import` and `leadcheck export`: responses as files."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
