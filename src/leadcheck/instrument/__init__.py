"""Instruments: the YAML format, its validation and the shipped catalogue."""

from leadcheck.instrument.catalog import (
    InstrumentInfo,
    find_instrument_files,
    list_instruments,
    load_instrument,
)
from leadcheck.instrument.model import Competency, Instrument, Item, Question, RaterGroup, Scale
from leadcheck.instrument.validate import Problem, ValidationResult, validate_file, validate_text

__all__ = [
    "Competency",
    "Instrument",
    "InstrumentInfo",
    "Item",
    "Problem",
    "Question",
    "RaterGroup",
    "Scale",
    "ValidationResult",
    "find_instrument_files",
    "list_instruments",
    "load_instrument",
    "validate_file",
    "validate_text",
]
