"""parse_published reads machine-written ISO dates (manifests' fetched_at) without dateutil's
fuzzy parser: for every string of that shape, valid or out of range, it must say what the
dateutil path says."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.core.cleaning.dates import _parse_printed, parse_published


def _two(lo: int, hi: int):
    return st.integers(lo, hi).map(lambda n: f"{n:02d}")


iso_like = st.builds(
    lambda y, mo, d, h, mi, s, tz: f"{y:04d}-{mo}-{d}T{h}:{mi}:{s}{tz}",
    st.integers(0, 9999), _two(0, 13), _two(0, 32), _two(0, 25), _two(0, 60), _two(0, 61),
    st.one_of(st.just(""), st.just("Z"), st.builds(lambda sign, h, m: f"{sign}{h}:{m}",
                                                   st.sampled_from("+-"), _two(0, 25), _two(0, 60))),
)


@settings(max_examples=3000, deadline=None)
@given(iso_like, st.sampled_from(["", " ", "\n"]))
def test_iso_dates_read_as_dateutil_reads_them(value, padding):
    assert parse_published(padding + value + padding) == _parse_printed(value)


def test_printed_dates_still_go_through_dateutil():
    assert parse_published("Fri Jun 6, 2014 11:44:06") == "2014-06-06T11:44:06"
    assert parse_published("June 4, 2014") == "2014-06-04"
    assert parse_published("2026-11-02T08:14:35Z") == "2026-11-02T08:14:35+00:00"
    assert parse_published("2026-02-30T08:14:35Z") is None
    assert parse_published("1899-12-31T23:00:00") is None
    assert parse_published("2026-11-02T08:14:35+24:00") is None  # dateutil reads it, datetime cannot hold it
    assert parse_published("٢٠٢٦-11-02T08:14:35Z") == _parse_printed("٢٠٢٦-11-02T08:14:35Z")
