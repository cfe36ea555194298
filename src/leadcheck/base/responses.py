"""What a rater gave: plain data shared by the store, the importers and the scoring."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

# An answer is a scale value, or None for "not observed". An item that is
# absent from ``answers`` was skipped (never answered); both are missing data.
Answer = int | None


@dataclass(frozen=True)
class Response:
    """One rater's answers about one leader, as stored and as scored."""

    group: str
    answers: Mapping[str, Answer]
    comments: Mapping[str, str] = field(default_factory=dict)
    submitted_at: str = ""  # ISO 8601, UTC
    response_id: int | None = None  # the store's row id, when it came from the store
    # Who answered, as an opaque key that stays the same when the rater corrects their answers
    # (the store's keyed hash); "" when unknown. Never shown: the release ledger tells versions apart by it.
    rater: str = ""


@dataclass(frozen=True, slots=True)  # one per row an import keeps: no __dict__ each
class IncomingResponse:
    """A response read from a file or CSV row, checked and ready to be stored.

    ``rater_identity`` is whatever identifies the rater in the source (an email,
    a response id, a token); the store keeps only a keyed hash of it, to refuse
    the same rater twice. ``source`` says where it came from for messages
    (``responses.csv:14``), never what was answered. ``leader`` is kept without
    surrounding spaces, however the file wrote it: the one place incoming names
    are trimmed.
    """

    leader: str
    group: str
    answers: Mapping[str, Answer]
    comments: Mapping[str, str]
    source: str
    rater_identity: str | None = None
    submitted_at: str | None = None
    cohort: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "leader", self.leader.strip())


def content_digest(response: IncomingResponse) -> str:
    """A hash of what a response says (leader, group, time, answers, comments).

    The identity of a rater a source does not name: importing the same row
    again gives the same digest, so nobody counts twice.
    """
    digest = hashlib.sha256()
    digest.update(f"{response.leader}\x00{response.group}\x00{response.submitted_at or ''}".encode())
    for item in sorted(response.answers):
        digest.update(f"\x00{item}={response.answers[item]}".encode())
    for question in sorted(response.comments):
        digest.update(f"\x00{question}={response.comments[question]}".encode())
    return digest.hexdigest()
