"""File names, leader codes and the manifest that lets a re-run skip unchanged reports."""

from __future__ import annotations

import csv
import hashlib
import json
import random
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from leadcheck.base.codeversion import code_version
from leadcheck.base.filenames import slug
from leadcheck.base.responses import Response

__all__ = ["MANIFEST", "SUMMARY", "file_names", "leader_codes"]

MANIFEST = ".leadcheck-cohort.json"
SUMMARY = "cohort-summary.pdf"
CODES = "leader-codes.csv"  # the only place a code is tied to a name: for the coach, never shared
_CODE = re.compile(r"L[0-9]{4,9}")


def file_names(leaders: Sequence[str], codes: Mapping[str, str] | None = None) -> dict[str, str]:
    """A distinct PDF name per leader (by code when anonymized)."""
    out: dict[str, str] = {}
    used: set[str] = {SUMMARY}
    for name in leaders:
        base = (codes or {}).get(name) or slug(name)
        if not base:
            base = "leader-" + hashlib.sha256(name.encode()).hexdigest()[:8]
        candidate = f"{base}.pdf"
        n = 2
        while candidate in used:
            candidate = f"{base}-{n}.pdf"
            n += 1
        used.add(candidate)
        out[name] = candidate
    return out


def leader_codes(
    leaders: Iterable[str], kept: Mapping[str, str] | None = None, rng: random.Random | None = None
) -> dict[str, str]:
    """A random code per leader (L4821, ...): neither the codes nor their order say anything about the names.

    Codes in ``kept`` (read back from the codes file of an earlier run) stay,
    so a re-run writes the same files; every other leader gets a code drawn
    with ``secrets`` (``rng`` only in tests) from those not taken.
    """
    names = sorted(set(leaders))
    chooser = rng or secrets.SystemRandom()
    width = max(4, len(str(100 * len(names))))
    codes: dict[str, str] = {}
    for name, code in (kept or {}).items():
        if name in names and _CODE.fullmatch(code) and code not in codes.values():
            codes[name] = code
    new = [name for name in names if name not in codes]
    taken = set(codes.values())
    low, high = 10 ** (width - 1), 10**width
    drawn = (f"L{n}" for n in chooser.sample(range(low, high), len(new) + len(taken)))
    fresh = [code for code in drawn if code not in taken][: len(new)]
    codes.update(zip(new, fresh, strict=True))
    return codes


def read_codes(folder: Path) -> dict[str, str]:
    """The codes of an earlier anonymized run in ``folder`` (leader -> code); empty when there are none."""
    from leadcheck.importing.export import unprotect

    try:
        text = (folder / CODES).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    rows = list(csv.reader(text.splitlines()))
    if not rows or rows[0][:2] != ["code", "leader"]:
        return {}
    return {unprotect(row[1]): unprotect(row[0]) for row in rows[1:] if len(row) >= 2}


def inputs_digest(
    leader: str,
    instrument_hash: str,
    responses: Sequence[Response],
    bundle_digest: str,
    extra: Sequence[str] = (),
) -> str:
    """A hash of everything a report is made from: if it is unchanged, the PDF is too."""
    digest = hashlib.sha256()
    payload = {
        "leadcheck": code_version(),
        "leader": leader,
        "instrument": instrument_hash,
        "templates": bundle_digest,
        "extra": list(extra),
        "responses": sorted(
            json.dumps([r.group, sorted(r.answers.items()), sorted(r.comments.items())], ensure_ascii=False)
            for r in responses
        ),
    }
    digest.update(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode())
    return digest.hexdigest()


def read_manifest(folder: Path) -> dict[str, str]:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        reports = data.get("reports", {})
        return {str(k): str(v) for k, v in reports.items()} if isinstance(reports, dict) else {}
    except (OSError, ValueError):
        return {}


def write_manifest(folder: Path, reports: Mapping[str, str]) -> None:
    from leadcheck.base.atomic import write_atomic

    text = json.dumps({"version": 1, "reports": dict(sorted(reports.items()))}, indent=1)
    write_atomic(folder / MANIFEST, text.encode())
