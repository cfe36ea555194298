"""Rater campaigns: a roster of nominated raters, PDF questionnaires, invitations, reminders and returns.

Plain data in and out; the `raters`, `invite` and `remind` commands in
``leadcheck.cli.campaign`` are thin wrappers over these modules.
"""
