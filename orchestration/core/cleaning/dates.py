"""Publication dates as printed in dumps, to ISO 8601."""
from __future__ import annotations

import re
from datetime import datetime

from dateutil import parser as date_parser

_TZ_NAMES = re.compile(r"\s+[A-Z]{2,5}$")
_HAS_TIME = re.compile(r"\d{1,2}:\d{2}")


def parse_published(value: str | None) -> str | None:
    """ISO 8601 from a date as printed ("Fri Jun 6, 2014 11:44:06", "June 4, 2014");
    a date without a time stays a date."""
    if not value:
        return None
    value = value.strip()
    for candidate in (value, _TZ_NAMES.sub("", value)):
        try:
            default = datetime(1, 1, 1)
            parsed = date_parser.parse(candidate, default=default, fuzzy=True)
            # dateutil reads an offset of a day or more (+24:00), which a datetime cannot hold:
            # it raises only when the offset is used, so use it here
            parsed.utcoffset()
        except (ValueError, OverflowError):
            continue
        if parsed.year < 1900:
            return None
        has_time = bool(_HAS_TIME.search(candidate))
        return parsed.isoformat() if has_time else parsed.date().isoformat()
    return None
