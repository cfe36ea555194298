"""Rater identities: who answered is kept only as a keyed hash, with a key kept outside the workspace."""

from __future__ import annotations

import hashlib
import hmac
import re

from leadcheck.base.errors import StoreError
from leadcheck.base.responses import IncomingResponse, content_digest
from leadcheck.instrument.model import SELF
from leadcheck.store.connection import Connection

# The rater identity of the leader themself: one self-assessment per assessment.
SELF_IDENTITY = "self"
# How a leadcheck export names a rater: "export:" and the keyed hash the rater was stored under.
EXPORTED = re.compile(r"export:([0-9a-f]{64})")


class RaterIdentities:
    """The keyed hashes raters are stored under (HMAC-SHA256 with this workspace's key, leadcheck.base.keys)."""

    def __init__(self, db: Connection) -> None:
        self.db = db
        self._key: bytes | None = None
        # True when the key file was missing and a new key was made for a workspace with
        # answers: raters who answered before are no longer recognised when they answer again.
        self.key_replaced = False

    def _rater_key(self) -> bytes:
        if self._key is None:
            from leadcheck.base.keys import read_key, write_key

            db = self.db
            try:
                key = read_key(db.workspace_id)
            except StoreError:
                if db.read_only:  # another user's workspace, and its key: say what matters
                    raise db.read_only_error() from None
                raise
            if key is None and db.read_only:
                raise db.read_only_error()
            if key is None:
                # Lost or never copied: answers stay; only returning raters are no longer recognised.
                self.key_replaced = db.conn.execute("SELECT 1 FROM responses LIMIT 1").fetchone() is not None
                key = write_key(db.workspace_id)
            self._key = key
        return self._key

    def holds_anything(self) -> bool:
        """Whether the workspace holds a leader, a response or a release (a restore must not take
        another workspace's id then: the raters already here were hashed with this one's key)."""
        row = self.db.conn.execute(
            "SELECT EXISTS (SELECT 1 FROM leaders) OR EXISTS (SELECT 1 FROM responses) "
            "OR EXISTS (SELECT 1 FROM releases)"
        ).fetchone()
        return bool(row[0])

    def restore_identity(self, workspace_id: str) -> bool:
        """Take the id of the workspace an export came from, when this one holds nothing yet.

        A backup restored into a new workspace then finds the same key file (on
        this machine, or copied with ``leadcheck key``): a rater who answers
        again after the restore is recognised as the same person, instead of
        counting twice in a group that the report may then show. True when taken.
        """
        db = self.db
        if db.read_only or workspace_id == db.workspace_id or self.holds_anything():
            return False
        with db.transaction() as c:
            c.execute("UPDATE meta SET value = ? WHERE key = 'workspace_id'", (workspace_id,))
        self._key = None
        return True

    def hash(self, identity: str) -> str:
        """A keyed hash of a rater's identity (case and surrounding spaces aside)."""
        normalised = identity.strip().casefold().encode("utf-8")
        return hmac.new(self._rater_key(), normalised, hashlib.sha256).hexdigest()

    def of(self, resp: IncomingResponse) -> str:
        """The keyed hash a response's rater is stored under."""
        if resp.group == SELF:
            # One self-assessment per assessment, whoever typed it.
            return self.hash(SELF_IDENTITY)
        exported = EXPORTED.fullmatch(resp.rater_identity or "")
        if exported:
            # Restored from an export: kept as it was, so the release ledger's tokens (made from it)
            # still name this rater, and the restored workspace guards as the original did.
            return exported.group(1)
        return self.hash(resp.rater_identity or "content:" + content_digest(resp))
