"""read_fetched_at reads machine-written ISO dates (manifests' fetched_at) without dateutil's
fuzzy parser: for every string of that shape, valid or out of range, it must say what
parse_published (the dateutil path) says."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.core.cleaning.dates import parse_published
from orchestration.core.landing_days import read_fetched_at


def _two(lo: int, hi: int):
    return st.integers(lo, hi).map(lambda n: f"{n:02d}")


iso_like = st.builds(
    lambda y, mo, d, h, mi, s, tz: f"{y:04d}-{mo}-{d}T{h}:{mi}:{s}{tz}",
    st.integers(0, 9999), _two(0, 13), _two(0, 32), _two(0, 25), _two(0, 60), _two(0, 61),
    st.one_of(st.just(""), st.just("Z"), st.builds(lambda sign, h, m: f"{sign}{h}:{m}",
                                                   st.sampled_from("+-"), _two(0, 23), _two(0, 60))),
)


@settings(max_examples=3000, deadline=None)
@given(iso_like, st.sampled_from(["", " ", "\n"]))
def test_iso_dates_read_as_dateutil_reads_them(value, padding):
    assert read_fetched_at(padding + value + padding) == parse_published(value)


def test_other_forms_go_through_parse_published():
    assert read_fetched_at("Fri Jun 6, 2014 11:44:06") == "2014-06-06T11:44:06"
    assert read_fetched_at("June 4, 2014") == "2014-06-04"
    assert read_fetched_at("2026-11-02T08:14:35Z") == "2026-11-02T08:14:35+00:00"
    assert read_fetched_at("2026-02-30T08:14:35Z") is None
    assert read_fetched_at("1899-12-31T23:00:00") is None
    assert read_fetched_at("٢٠٢٦-11-02T08:14:35Z") == parse_published("٢٠٢٦-11-02T08:14:35Z")
    assert read_fetched_at("not a date") is None and read_fetched_at(None) is None


def test_an_offset_of_a_day_or_more_is_no_date():
    # dateutil reads it, a datetime cannot hold it: no date, never an error (a page's printed
    # date raised in the cleaning stage and quarantined its whole document)
    for value in ("2026-11-02T08:14:35+24:00", "Fri Jun 6, 2014 11:44:06 -24:00", "2014-06-06 11:44 +25:00"):
        assert parse_published(value) is None and read_fetched_at(value) is None
    assert parse_published("2014-06-06T11:44:06+23:59") == "2014-06-06T11:44:06+23:59"
