"""`leadcheck export` files (JSON and CSV): the format (``format``), writing every record
(``write``), reading them back (``read``), and walking a JSON export without parsing it whole
(``scan``)."""

from leadcheck.importing.export.format import TOO_DEEP, protect, unprotect
from leadcheck.importing.export.read import (
    ExportReader,
    KnownRater,
    is_json,
    read_export_csv,
    read_export_json,
)
from leadcheck.importing.export.write import (
    iter_export,
    iter_known_raters,
    iter_leaders,
    iter_releases,
    pulse_release_count,
    release_count,
    write_csv,
    write_json,
)

__all__ = [
    "TOO_DEEP",
    "ExportReader",
    "KnownRater",
    "is_json",
    "iter_export",
    "iter_known_raters",
    "iter_leaders",
    "iter_releases",
    "protect",
    "pulse_release_count",
    "read_export_csv",
    "read_export_json",
    "release_count",
    "unprotect",
    "write_csv",
    "write_json",
]
