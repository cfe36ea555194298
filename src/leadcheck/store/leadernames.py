"""A leader's and a cohort's name: what it may hold, and how two names are compared."""

from __future__ import annotations

import unicodedata

from leadcheck.base.errors import StoreError
from leadcheck.base.names import JOINERS, MAX_NAME, name_problem

MAX_LEADER_NAME = MAX_NAME
_JOINERS = JOINERS


def leader_key(name: str) -> str:
    """A leader's name as compared: case, runs of whitespace, joiners and width ignored
    ("ana  lopez", and "Ana Lopez" in full-width letters, are "Ana Lopez")."""
    return " ".join(
        unicodedata.normalize("NFKC", name.translate(dict.fromkeys(map(ord, _JOINERS)))).split()
    ).casefold()


def leader_name_problem(name: str) -> str | None:
    """What is wrong with ``name`` as a leader's name (what was found, what was expected), or None."""
    return name_problem(name, "leader name")


def cohort_name_problem(cohort: str) -> str | None:
    """What is wrong with ``cohort`` as a cohort's name (the same rule as every name), or None."""
    if not cohort.strip():
        return "a cohort name is empty; expected a name such as spring-2027, or no --cohort"
    return name_problem(cohort, "cohort name")


def checked_cohort(cohort: str | None) -> str | None:
    """``cohort`` as stored; StoreError when it cannot be a cohort's name."""
    if cohort is None:
        return None
    problem = cohort_name_problem(cohort)
    if problem is not None:
        raise StoreError(problem)
    return cohort


def checked_name(name: str) -> str:
    """``name`` as stored (surrounding spaces dropped); StoreError when it cannot be a leader's name."""
    name = name.strip()
    problem = leader_name_problem(name) if name else "a leader needs a name"
    if problem is not None:
        raise StoreError(problem)
    return name
