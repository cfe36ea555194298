"""File names, leader codes and the manifest that lets a re-run skip unchanged reports."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from leadcheck import __version__
from leadcheck.filenames import slug
from leadcheck.responses import Response

__all__ = ["MANIFEST", "SUMMARY", "file_names", "leader_codes", "slug"]

MANIFEST = ".leadcheck-cohort.json"
SUMMARY = "cohort-summary.pdf"


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


def leader_codes(leaders: Iterable[str]) -> dict[str, str]:
    """Stable codes L001, L002, ... in name order."""
    ordered = sorted(set(leaders))
    width = max(3, len(str(len(ordered))))
    return {name: f"L{i:0{width}d}" for i, name in enumerate(ordered, start=1)}


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
        "leadcheck": __version__,
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
    from leadcheck.report.pdf import write_atomic

    text = json.dumps({"version": 1, "reports": dict(sorted(reports.items()))}, indent=1)
    write_atomic(folder / MANIFEST, text.encode())
