"""The exception hierarchy and the exit codes every command shares."""

from __future__ import annotations

# Exit codes: stable, documented in the README, never negative.
OK = 0
INVALID = 1
USAGE = 2


class LeadcheckError(Exception):
    """Base of every error leadcheck reports to a user as one clear line."""

    exit_code = INVALID


class UsageError(LeadcheckError):
    """The command was asked for something that cannot be (a missing path, a bad option)."""

    exit_code = USAGE


class InstrumentError(LeadcheckError):
    """An instrument could not be found, read or validated."""


class StoreError(LeadcheckError):
    """The response store could not be opened, migrated or written."""


class NotFoundError(LeadcheckError):
    """A leader, assessment or cohort named on the command line does not exist."""


class ImportProblemError(LeadcheckError):
    """A response file or CSV export holds data that cannot be imported."""


class ReportError(LeadcheckError):
    """A report could not be rendered or written."""


class CampaignError(LeadcheckError):
    """A rater campaign step failed: a form or invitation could not be made, written or sent."""
