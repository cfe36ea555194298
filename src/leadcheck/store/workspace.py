"""The workspace as one object: the connection, with each kind of record's repository an attribute."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from leadcheck.store.assessments import Assessments
from leadcheck.store.connection import Connection
from leadcheck.store.figurecache import FigureCache
from leadcheck.store.leaders import Leaders
from leadcheck.store.plans import Plans
from leadcheck.store.raters import RaterIdentities
from leadcheck.store.releases import ReleaseLedger
from leadcheck.store.responses import Responses
from leadcheck.store.roster import Roster
from leadcheck.store.snapshots import Snapshots


class Store(Connection):
    """A workspace file. Open with ``Store.open(path)``; use as a context manager.

    Each kind of record is one repository, reached as an attribute and holding
    its own rules and queries: ``store.leaders``, ``store.assessments``,
    ``store.responses``, ``store.snapshots``, ``store.raters`` and
    ``store.figures``, the development ``store.plans``, the campaign's ``store.roster`` and the release ledger's
    ``store.releases``. There is no other way in.
    """

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        super().__init__(conn, path)
        self.raters = RaterIdentities(self)
        self.snapshots = Snapshots(self)
        self.leaders = Leaders(self)
        self.assessments = Assessments(self, self.snapshots)
        self.responses = Responses(self, self.raters)
        self.figures = FigureCache(self)
        self.roster = Roster(self)
        self.releases = ReleaseLedger(self)
        self.plans = Plans(self)
