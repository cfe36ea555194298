"""Notices the core gives while it works (waiting for a lock), for the CLI to show.

The core never prints: it calls the listeners registered here. The CLI
registers one that writes to stderr; library users may register their own.
"""

from __future__ import annotations

from collections.abc import Callable

listeners: list[Callable[[str], None]] = []


def notify(message: str) -> None:
    """Tell every listener ``message`` (one line, no data of people)."""
    for listener in listeners:
        listener(message)
