"""Rater campaigns: a roster of nominated raters, PDF questionnaires, invitations, reminders and returns.

Plain data in and out; the `raters`, `invite` and `remind` commands in
``leadcheck.cli.campaign`` are thin wrappers over these modules.
"""

# The environment variable `invite --smtp-user` and `remind --smtp-user` read the password from.
PASSWORD_ENV = "LEADCHECK_SMTP_PASSWORD"  # noqa: S105 (the variable's name, not a password)
