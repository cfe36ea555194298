"""Which instrument a file, a row or a leader is read with: shipped, chosen, or stored in the workspace."""

from __future__ import annotations

from leadcheck.base.errors import InstrumentError
from leadcheck.instrument.catalog import (
    DEFAULT_INSTRUMENT,
    builtin_ids,
    instrument_from_text,
    load_instrument,
)
from leadcheck.instrument.model import Instrument
from leadcheck.store import Store, leader_key


def label(instrument: Instrument) -> str:
    return f"{instrument.id} {instrument.version}"


class Instruments:
    """Finds instruments for an import, each loaded once.

    ``chosen`` is --instrument (an id or a path); without it, files that do
    not name their instrument are read with the default, psl-360.
    """

    def __init__(self, store: Store | None, chosen: str | None = None) -> None:
        self.store = store
        self.chosen = chosen
        self._chosen: Instrument | None = None
        self._shipped: dict[str, Instrument] | None = None
        self._by_hash: dict[str, Instrument] = {}
        self._assessed: dict[tuple[str, str], Instrument | None] = {}

    def base(self) -> Instrument:
        """--instrument, else the default; InstrumentError when it cannot be loaded."""
        if self._chosen is None:
            self._chosen = self._remember(load_instrument(self.chosen or DEFAULT_INSTRUMENT))
        return self._chosen

    def _remember(self, instrument: Instrument) -> Instrument:
        return self._by_hash.setdefault(instrument.content_hash, instrument)

    def shipped(self) -> dict[str, Instrument]:
        """The shipped instruments by content hash (invalid ones left out)."""
        if self._shipped is None:
            self._shipped = {}
            for path in builtin_ids().values():
                try:
                    inst = load_instrument(path)
                except InstrumentError:
                    continue
                self._shipped[inst.content_hash] = self._remember(inst)
        return self._shipped

    def add_snapshot(self, source: str) -> Instrument:
        """An instrument from a snapshot carried by an export file (InstrumentError when invalid)."""
        inst = instrument_from_text(source, "<instrument snapshot in the export>")
        return self._remember(inst)

    def by_hash(self, content_hash: str) -> Instrument | None:
        """The instrument with this content hash: from an export, the workspace or the shipped ones."""
        found = self._by_hash.get(content_hash)
        if found is not None:
            return found
        stored = self.store.snapshots.instrument(content_hash) if self.store is not None else None
        if stored is not None:
            return self._remember(stored)
        return self.shipped().get(content_hash)

    def find(self, instrument_id: str, version: str, content_hash: str) -> Instrument | None:
        """By hash; else --instrument or a shipped instrument of that id when its version is the same."""
        found = self.by_hash(content_hash) if content_hash else None
        if found is not None:
            return found
        candidates = [self.base()] if self.chosen else []
        for inst in [*candidates, *self.shipped().values()]:
            if inst.id == instrument_id and inst.version == version:
                return inst
        return None

    def effective(self, leader: str, instrument: Instrument) -> Instrument:
        """What the leader's answers on ``instrument`` are stored against.

        A leader already assessed on this instrument id keeps the snapshot that
        assessment started with (the store files new responses under it), so
        answers are checked against that snapshot.
        """
        key = (leader_key(leader), instrument.id)
        if key not in self._assessed:
            found: Instrument | None = None
            if self.store is not None:
                existing = self.store.leaders.find(leader)
                current = (
                    self.store.assessments.current_or_none(existing, instrument.id) if existing else None
                )
                if current is not None:
                    found = self._remember(self.store.assessments.instrument(current))
            self._assessed[key] = found
        return self._assessed[key] or instrument
