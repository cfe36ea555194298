"""The workspace: one SQLite file holding leaders, assessments, instrument snapshots and responses.

``connection`` opens, migrates (``migrations``) and writes in transactions;
``failures`` says what SQLite's errors mean; one repository per kind of record
(``leaders``, ``assessments``, ``responses``, ``snapshots``, ``raters``,
``figurecache``), each an attribute of ``workspace.Store``.
"""

from leadcheck.store.assessments import Assessment, no_assessment, round_numbers
from leadcheck.store.clock import now
from leadcheck.store.failures import database_error, result_code
from leadcheck.store.leadernames import (
    MAX_LEADER_NAME,
    cohort_name_problem,
    leader_key,
    leader_name_problem,
)
from leadcheck.store.leaders import Leader
from leadcheck.store.migrations import MIGRATIONS
from leadcheck.store.raters import SELF_IDENTITY
from leadcheck.store.workspace import Store

__all__ = [
    "MAX_LEADER_NAME",
    "MIGRATIONS",
    "SELF_IDENTITY",
    "Assessment",
    "Leader",
    "Store",
    "cohort_name_problem",
    "database_error",
    "leader_key",
    "leader_name_problem",
    "no_assessment",
    "now",
    "result_code",
    "round_numbers",
]
