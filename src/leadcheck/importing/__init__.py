"""Responses as files: blank forms, survey tool CSV exports, leadcheck exports; read, checked, stored.

Plain data in and out, no terminal output: the `form`, `import` and `export`
commands in ``leadcheck.cli.files`` are thin wrappers over this package.
"""

from leadcheck.importing.model import FileReport, ImportOptions, Parsed
from leadcheck.importing.plan import ImportOutcome, ImportPlan, LeaderOutcome, apply_plan, plan_import

__all__ = [
    "FileReport",
    "ImportOptions",
    "ImportOutcome",
    "ImportPlan",
    "LeaderOutcome",
    "Parsed",
    "apply_plan",
    "plan_import",
]
