"""The workspace's schema, one migration per version (PRAGMA user_version), and how to apply them."""

from __future__ import annotations

import secrets
import sqlite3

from leadcheck.store.leadernames import leader_key

# Each entry migrates the schema from version i to i + 1 (PRAGMA user_version).
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE instruments (
        id INTEGER PRIMARY KEY,
        instrument_id TEXT NOT NULL,
        version TEXT NOT NULL,
        content_hash TEXT NOT NULL UNIQUE,
        source TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE leaders (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        cohort TEXT,
        created_at TEXT NOT NULL
    );
    CREATE INDEX leaders_cohort ON leaders (cohort);
    CREATE TABLE assessments (
        id INTEGER PRIMARY KEY,
        leader_id INTEGER NOT NULL REFERENCES leaders (id) ON DELETE CASCADE,
        instrument_row INTEGER NOT NULL REFERENCES instruments (id),
        created_at TEXT NOT NULL
    );
    CREATE INDEX assessments_leader ON assessments (leader_id);
    CREATE TABLE responses (
        id INTEGER PRIMARY KEY,
        assessment_id INTEGER NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
        rater_group TEXT NOT NULL,
        rater_hash TEXT NOT NULL,
        started_at TEXT NOT NULL,
        submitted_at TEXT,
        UNIQUE (assessment_id, rater_hash)
    );
    CREATE TABLE answers (
        response_id INTEGER NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
        item_id TEXT NOT NULL,
        value INTEGER,
        answered_at TEXT NOT NULL,
        PRIMARY KEY (response_id, item_id)
    );
    CREATE TABLE comments (
        response_id INTEGER NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
        question_id TEXT NOT NULL,
        text TEXT NOT NULL,
        PRIMARY KEY (response_id, question_id)
    );
    """,
    # 2: the release ledger (leadcheck.releases). The rater key leaves the file (leadcheck.base.keys):
    # migrations.apply moves it out before this step deletes it.
    """
    CREATE TABLE releases (
        id INTEGER PRIMARY KEY,
        assessment_id INTEGER NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
        released_at TEXT NOT NULL,
        kind TEXT NOT NULL,
        file_digest TEXT NOT NULL,
        figures TEXT NOT NULL
    );
    CREATE INDEX releases_assessment ON releases (assessment_id);
    DELETE FROM meta WHERE key = 'rater_key';
    """,
    # 3: rater campaigns (leadcheck.campaign): the roster of nominated raters and the tokens of their
    # PDF questionnaires. Names and emails live only here; tokens are stored as keyed hashes.
    """
    INSERT OR IGNORE INTO meta (key, value) VALUES ('workspace_id', lower(hex(randomblob(16))));
    CREATE TABLE campaign_raters (
        id INTEGER PRIMARY KEY,
        leader_id INTEGER NOT NULL REFERENCES leaders (id) ON DELETE CASCADE,
        name TEXT,
        email TEXT,
        rater_group TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('nominated', 'invited', 'returned', 'removed')),
        due_date TEXT,
        created_at TEXT NOT NULL,
        invited_at TEXT,
        reminded_at TEXT,
        returned_at TEXT,
        removed_at TEXT,
        UNIQUE (leader_id, email)
    );
    CREATE INDEX campaign_raters_leader ON campaign_raters (leader_id);
    CREATE TABLE campaign_tokens (
        token_hash TEXT PRIMARY KEY,
        rater_id INTEGER NOT NULL REFERENCES campaign_raters (id) ON DELETE CASCADE,
        assessment_id INTEGER NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
        issued_at TEXT NOT NULL
    );
    CREATE INDEX campaign_tokens_rater ON campaign_tokens (rater_id);
    """,
    # 4: leaders are found by their name as compared (leader_key) through an index, not by reading
    # every leader. Existing leaders get their key from ``backfill_name_keys`` (Python's Unicode
    # rules, not SQLite's); a change to leader_key needs a migration that computes them again.
    """
    ALTER TABLE leaders ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
    CREATE INDEX leaders_name_key ON leaders (name_key);
    """,
    # 5: figures derived from an assessment, kept with the state they were made from
    # (leadcheck.store.figurecache), so one report does not score its whole cohort again.
    """
    CREATE TABLE figure_cache (
        assessment_id INTEGER PRIMARY KEY REFERENCES assessments (id) ON DELETE CASCADE,
        state TEXT NOT NULL,
        figures TEXT NOT NULL
    );
    """,
    # 6: the roster no longer keeps when a rater's form came back (the state "returned" says that it
    # did): stored to the second, it was the time of that rater's response, and tied the roster's
    # names and emails to the answers without the key. Existing returned times are dropped.
    """
    UPDATE campaign_raters SET returned_at = NULL WHERE returned_at IS NOT NULL;
    """,
    # 7: development plans (leadcheck.store.plans): after a round's report, the one to three
    # behaviours the leader will work on, what they will do, whom they will tell and by when.
    # The leader's own words: personal data, deleted with the round.
    """
    CREATE TABLE plans (
        id INTEGER PRIMARY KEY,
        leader_id INTEGER NOT NULL REFERENCES leaders (id) ON DELETE CASCADE,
        assessment_id INTEGER NOT NULL UNIQUE REFERENCES assessments (id) ON DELETE CASCADE,
        made_on TEXT NOT NULL
    );
    CREATE INDEX plans_leader ON plans (leader_id);
    CREATE TABLE plan_focus (
        plan_id INTEGER NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        item_id TEXT NOT NULL,
        action TEXT NOT NULL,
        tell TEXT NOT NULL,
        by_date TEXT NOT NULL,
        PRIMARY KEY (plan_id, position)
    );
    """,
    # 8: pulses (leadcheck.pulse): a short survey, after a round's plan, of whether its focus behaviours
    # changed. A pulse is an assessment of its own (on a generated instrument snapshot) that names the
    # round it follows; such an assessment is never a leader's current round.
    """
    ALTER TABLE assessments ADD COLUMN pulse_of INTEGER REFERENCES assessments (id) ON DELETE CASCADE;
    CREATE INDEX assessments_pulse_of ON assessments (pulse_of);
    """,
)

# The migration (counted from 0) after whose SQL the leaders' name keys are computed.
NAME_KEY_MIGRATION = 3


def apply(c: sqlite3.Connection) -> None:
    """Bring the schema up to date inside the caller's transaction, from whatever version it has."""
    version = c.execute("PRAGMA user_version").fetchone()[0]
    for number in range(version, len(MIGRATIONS)):
        if number == 1:  # before step 2 deletes it from the file, the key moves out
            key_out_of_file(c)
        for statement in MIGRATIONS[number].split(";"):
            if statement.strip():
                c.execute(statement)
        if number == NAME_KEY_MIGRATION:
            backfill_name_keys(c)
        c.execute(f"PRAGMA user_version = {number + 1}")


def key_out_of_file(c: sqlite3.Connection) -> None:
    """Give the workspace an id and its key a file of its own (leadcheck.base.keys)."""
    from leadcheck.base.keys import write_key

    row = c.execute("SELECT value FROM meta WHERE key = 'workspace_id'").fetchone()
    workspace_id = row[0] if row else secrets.token_hex(16)
    if row is None:
        c.execute("INSERT INTO meta (key, value) VALUES ('workspace_id', ?)", (workspace_id,))
    old = c.execute("SELECT value FROM meta WHERE key = 'rater_key'").fetchone()
    write_key(workspace_id, bytes.fromhex(old[0]) if old else None)


def backfill_name_keys(c: sqlite3.Connection) -> None:
    """Store every leader's name as compared (``leader_key``), for the index of migration 4."""
    rows = c.execute("SELECT id, name FROM leaders").fetchall()
    c.executemany("UPDATE leaders SET name_key = ? WHERE id = ?", [(leader_key(name), i) for i, name in rows])
