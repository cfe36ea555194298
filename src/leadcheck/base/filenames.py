"""File names from people's names: transliterated to ASCII (any script), lower case, hyphens."""

from __future__ import annotations

import re

from anyascii import anyascii

__all__ = ["slug"]


def slug(text: str, fallback: str = "", limit: int = 60) -> str:
    """A file-name-safe ASCII form of ``text``: "Søren Whitfield" -> "soren-whitfield",
    "Łucja" -> "lucja", "Алёна Петрова" -> "alena-petrova", "王小明" -> "wangxiaoming".

    ``fallback`` when nothing is left (a name of emoji or punctuation only).
    Uniqueness is the caller's: two names may share a slug ("Ana Lopez", "Ana López").
    """
    cleaned = re.sub(r"[^a-z0-9]+", "-", anyascii(text).lower()).strip("-")[:limit].strip("-")
    return cleaned or fallback
