"""Cohort runs: every leader's report and a cohort summary, rendered in parallel."""
