"""The workspace's clock: every time it stores, in one place (tests set it)."""

from __future__ import annotations

from datetime import datetime, timezone


def now() -> str:
    """The current time, ISO 8601 in UTC, to the second."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()
