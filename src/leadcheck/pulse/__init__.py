"""Pulses: a short survey, after a development plan, of whether the plan's focus behaviours changed."""
