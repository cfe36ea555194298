"""Submission times as survey tools write them, turned into ISO 8601 (UTC) when they are unambiguous."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

_STAMP = re.compile(
    r"(?P<a>\d{1,4})[/.-](?P<b>\d{1,2})[/.-](?P<c>\d{1,4})"
    r"(?:[ T]+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?(?:[.,]\d+)?"
    r"\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?)?"
    r"\s*(?P<tz>Z|(?:GMT|UTC)?\s*[+-]\d{1,2}(?::?\d{2})?|GMT|UTC)?"
)
_OFFSET = re.compile(r"(?P<sign>[+-])(?P<hours>\d{1,2})(?::?(?P<minutes>\d{2}))?")
# Real zones lie between UTC-12 and UTC+14; anything from 24 hours on is not a zone at all.
MAX_OFFSET = timedelta(hours=14)


class TimestampError(ValueError):
    """A submission time written as a date, but one no clock shows: what was expected, without the value."""


def parse_timestamp(text: str, month_first: bool = False) -> str | None:
    """``text`` as ISO 8601 in UTC, or None when it is not a date or its day/month order is unclear.

    Times without a zone are taken as UTC. "1/2/2024" is read as January 2nd
    only when ``month_first`` (SurveyMonkey, Microsoft Forms); otherwise a date
    is used only when its day is above 12 or it is written year first.
    """
    m = _STAMP.fullmatch(text.strip())
    if m is None:
        return None
    a, b, c = int(m["a"]), int(m["b"]), int(m["c"])
    if len(m["a"]) == 4:
        year, month, day = a, b, c
    else:
        year = c + 2000 if len(m["c"]) <= 2 else c
        if a > 12:
            day, month = a, b
        elif b > 12 or month_first:
            month, day = a, b
        else:
            return None
    hour = int(m["hour"] or 0)
    ampm = (m["ampm"] or "").lower().replace(".", "")
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    zone = timezone.utc
    offset = _OFFSET.search(m["tz"] or "")
    if offset:
        delta = timedelta(hours=int(offset["hours"]), minutes=int(offset["minutes"] or 0))
        if delta > MAX_OFFSET or int(offset["minutes"] or 0) >= 60:
            raise TimestampError(
                "the submission time's zone is more than 14 hours from UTC; expected an offset such as "
                "GMT+2 or -05:00"
            )
        zone = timezone(delta if offset["sign"] == "+" else -delta)
    try:
        stamp = datetime(year, month, day, hour, int(m["minute"] or 0), int(m["second"] or 0), tzinfo=zone)
    except ValueError:
        return None
    try:
        return stamp.astimezone(timezone.utc).isoformat()
    except OverflowError:
        raise TimestampError(
            "the submission time falls outside the calendar (before year 1 or after 9999) in UTC; "
            "expected a date of the survey"
        ) from None
