"""`leadcheck leaders` and `leadcheck status`: who has been assessed and what is missing."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
