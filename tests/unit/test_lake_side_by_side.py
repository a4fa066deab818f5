"""Landing days ingested side by side (a backfill's runs on different workers) decide together
which day keeps a document that landed on both: exactly one does."""
from __future__ import annotations

import hashlib
import multiprocessing
import threading
from datetime import datetime
from pathlib import Path

import duckdb

from orchestration import incremental
from orchestration.core.types import DumpRow

# The same payload re-delivered on two landing days.
PAYLOAD = b"The council approved the budget on Tuesday."
SHA = hashlib.sha256(PAYLOAD).hexdigest()


def _dump(source_file: str) -> DumpRow:
    return DumpRow(document_id=SHA[:16], content_sha256=SHA, source_file=source_file, record_index=0,
                   source_format="text", payload=PAYLOAD, byte_size=len(PAYLOAD), ingested_at=datetime(2026, 11, 2))


def _ingest_day(lake: str, day: str, both_have_looked: threading.Barrier) -> None:
    """One day's ingest in a process of its own. After reading the other days it waits (briefly)
    for the other day's ingest to have read them too: the worst interleaving of two workers."""
    read_other_days = incremental.lake_document_ids

    def read_then_wait(*args, **kwargs):
        found = read_other_days(*args, **kwargs)
        try:
            both_have_looked.wait(timeout=3)
        except threading.BrokenBarrierError:   # the other day waits for this one's write: no interleaving
            pass
        return found

    incremental.lake_document_ids = read_then_wait
    incremental.write_landed_day(Path(lake), day, [_dump(f"{day}/council.txt")])


def test_a_document_landed_on_two_days_ingested_side_by_side_is_kept_once(tmp_path):
    context = multiprocessing.get_context("fork")
    both_have_looked = context.Barrier(2)
    days = [context.Process(target=_ingest_day, args=(str(tmp_path), day, both_have_looked))
            for day in ("2026-11-01", "2026-11-02")]
    for process in days:
        process.start()
    for process in days:
        process.join(timeout=60)
        assert process.exitcode == 0
    kept = duckdb.sql(f"SELECT document_id, source_file FROM read_parquet('{tmp_path}/dumps/*/*.parquet')").fetchall()
    assert len(kept) == 1, kept


def _other(source_file: str) -> DumpRow:
    payload = b"Another report on the same budget vote."
    sha = hashlib.sha256(payload).hexdigest()
    return DumpRow(document_id=sha[:16], content_sha256=sha, source_file=source_file, record_index=0,
                   source_format="text", payload=payload, byte_size=len(payload), ingested_at=datetime(2026, 11, 2))


def test_a_day_is_current_for_the_inputs_it_was_made_from_while_the_copies_it_left_elsewhere_stay(tmp_path):
    lake = Path(tmp_path)
    incremental.write_landed_day(lake, "2026-11-01", [_dump("2026-11-01/council.txt")], "day one, first")
    incremental.write_landed_day(lake, "2026-11-02", [_dump("2026-11-02/council.txt"), _other("2026-11-02/vote.txt")],
                                 "day two")
    # day two holds the other report only: the council copy stays with day one
    assert incremental.landed_day_current(lake, "2026-11-02", "day two") == [(39, "text")]
    assert incremental.landed_day_current(lake, "2026-11-02", "day two, a file touched") is None
    # day one loses its copy: day two's is the first now, so day two must be read again
    incremental.write_landed_day(lake, "2026-11-01", [], "day one, its file removed")
    assert incremental.landed_day_current(lake, "2026-11-02", "day two") is None
    incremental.write_landed_day(lake, "2026-11-02", [_dump("2026-11-02/council.txt"), _other("2026-11-02/vote.txt")],
                                 "day two")
    assert sorted(incremental.landed_day_current(lake, "2026-11-02", "day two")) == [(39, "text"), (len(PAYLOAD), "text")]
